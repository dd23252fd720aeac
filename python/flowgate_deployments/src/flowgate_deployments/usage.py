"""`mlflow deployments help -t flowgate`."""


def target_help():
    return """Flowgate deployments: a named spec that pins model versions, with shadow, canary, A/B and
blue/green strategies. Every create, update and delete is a new revision with a reason, audited, and
governed by the model's promotion policy (target deployment:<name>).

Target URI
  flowgate                      the Flowgate server at MLFLOW_TRACKING_URI
  flowgate:/http://host:port    that server
  ...?serving_url=http://h:p    where `flowgate models serve --deployment <name>` runs (for predict; or
                                set FLOWGATE_SERVING_URL)
  Credentials: MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD.

Model URI (-m)
  models:/<name>/<version>  models:/<name>@<alias>  models:/<name>/<stage>  models:/<name>/latest
  An alias or stage is resolved to a version number once, when the revision is written.

Config (-C key=value)
  reason=<text>            why (recorded with the revision; default names the mlflow command)
  shadow=<version>[:<pct>] mirror requests to a version (default 100%); shadow=none stops it
  canary=<version>         ramp this version up by steps (create); update -m <uri> with steps ramps the new one
  steps=<list>             10,pause:5m,50,pause,100 (weights, pauses, analysis:<template>+<template>)
  max_weight=<pct>         most traffic the canary gets before its final promotion
  analysis=<t>+<t>         background analysis templates for the whole canary
  warm=<n>                 former primaries kept loaded for instant rollback (default 2)
  track_alias=<alias>      follow an alias: moving it rolls the new version out
  policy=<file or JSON>    business policy {values, schema?, decision?} or just the values
  spec=<file or JSON>      a whole spec (YAML or JSON) the other keys are written over
  strategy=none            drop the strategy
  expected_revision=<n>    update: refuse if the deployment is no longer at this revision

update -m <uri> without steps makes the new version the primary at once (no strategy); delete succeeds on
a deployment that does not exist. predict scores on the serving process; explain is not supported.
run-local serves the model with `flowgate models serve` (FLOWGATE_CLI or `flowgate` on PATH; -C port=…).
For promote, pause, resume, abort, rollback and status --watch, use `flowgate deployments`."""
