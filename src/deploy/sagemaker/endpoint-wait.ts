// Waiting on SageMaker: endpoint operations are asynchronous, so each one is polled with DescribeEndpoint until it
// settles, for at most a timeout (after which the operation goes on in SageMaker and `status` follows it).
import {
  DescribeEndpointCommand,
  type DescribeEndpointOutput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { FlowgateError } from "../../core/errors.js";
import { awsError, isNotFound } from "./aws-clients.js";

export interface Waiting {
  timeoutSeconds: number;
  pollSeconds: number;
}

export type Poll<T> = { done: true; value: T } | { done: false; status: string };

/** Calls `check` every poll interval until it is done; past the timeout, DEADLINE_EXCEEDED naming the last status. */
export async function pollUntil<T>(
  what: string,
  waiting: Waiting,
  check: () => Promise<Poll<T>>,
): Promise<T> {
  const deadline = Date.now() + waiting.timeoutSeconds * 1000;
  for (;;) {
    const state = await check();
    if (state.done) return state.value;
    if (Date.now() >= deadline) {
      throw new FlowgateError(
        "DEADLINE_EXCEEDED",
        `${what} did not finish within ${waiting.timeoutSeconds} s (last status: ${state.status}); it goes on in SageMaker — follow it with \`flowgate deploy sagemaker status\`.`,
      );
    }
    await new Promise((r) => setTimeout(r, waiting.pollSeconds * 1000));
  }
}

/** DescribeEndpoint, or undefined when there is no endpoint of that name. */
export async function findEndpoint(
  sagemaker: SageMakerClient,
  endpoint: string,
): Promise<DescribeEndpointOutput | undefined> {
  try {
    return await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw awsError(`DescribeEndpoint ${endpoint}`, err);
  }
}
