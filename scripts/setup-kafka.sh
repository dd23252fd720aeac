#!/usr/bin/env bash
# Resolves an Apache Kafka broker (KRaft mode, no ZooKeeper) for the streaming tests and bench: the broker's
# jars and their runtime dependencies from Maven Central into .services/kafka/libs, run by test/support/kafka.ts
# with `java -cp 'libs/*' kafka.Kafka`. Idempotent: skipped when the jars of this version are already there.
set -euo pipefail
cd "$(dirname "$0")/.."

KAFKA_VERSION=4.1.1
dir=.services/kafka
stamp="$dir/libs/.flowgate-kafka-$KAFKA_VERSION"
if [ -f "$stamp" ]; then exit 0; fi
echo "setting up Apache Kafka $KAFKA_VERSION in $dir"
rm -rf "$dir/libs" "$dir/pom"
mkdir -p "$dir/pom"
# A throwaway project whose only dependency is the broker: Maven resolves the broker's transitive runtime
# dependencies (clients, raft, metadata, storage, Scala, Jackson…) exactly as Kafka's own build declares them.
cat > "$dir/pom/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>flowgate.services</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$KAFKA_VERSION</version></dependency>
    <!-- The broker logs through SLF4J; a binding keeps its warnings on stderr for test failure messages. -->
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>1.7.36</version></dependency>
  </dependencies>
</project>
POM
mvn -q -B -f "$dir/pom/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$PWD/$dir/libs"
touch "$stamp"
