"""MiniStack, started the way `npm run local` needs it: with AWS's delivery semantics on the
event-driven paths where MiniStack 1.5.33 differs.

1. Asynchronous invocation of EventBridge and Scheduler targets.

On AWS, EventBridge rules and EventBridge Scheduler invoke a Lambda target *asynchronously*:
a function error is retried by Lambda (twice, by default, or as its EventInvokeConfig says) and
then sent to the function's dead-letter queue. MiniStack 1.5.33 runs the function once in a
thread instead (`eventbridge._dispatch_to_lambda`), so a consumer that keeps failing loses the
event. Its own `Invoke` with `InvocationType=Event` does implement the AWS path
(`lambda_svc.invoke_async_with_retry`: retries, then DeadLetterConfig / OnFailure destination);
this launcher routes EventBridge and Scheduler targets through it, then starts MiniStack as
`python -m ministack` would. The functions' DeadLetterConfig itself (dropped by MiniStack's
CloudFormation) is applied after each deploy by localstack/dead-letters.ts.

2. `ReportBatchItemFailures` on DynamoDB stream event source mappings. On AWS a batch whose
response lists failed records is retried from the first of them; MiniStack honours the
response only for SQS and moves a stream past the whole batch, losing the records the function
reported failed (the outbox relay reports the envelopes PutEvents refused). Here such a
response counts as a failed batch: the shard position stays, and the batch is retried after
MiniStack's backoff, as AWS would retry it (from its first record rather than from the first
failed one: consumers are idempotent on the envelope id).

3. A prompt, complete stop. On SIGTERM MiniStack saves its state (with PERSIST_STATE=1) in
its ASGI lifespan shutdown, but then the interpreter waits for every thread still running a
Lambda invocation (a broadcast tick burst lasts a minute), and those invocations' Node workers
outlive it: `npm run local:down` waited 10 s and then SIGKILLed the group, and a worker that
survived a restart kept ticking against the next emulator. Here, once the lifespan shutdown is
complete (state saved), the Lambda workers of the emulator's process group are sent SIGTERM
and the process exits at once.

Nothing else changes: three functions, wrapped before the server starts.
"""

import json
import logging
import os
import signal

from ministack.services import eventbridge, lambda_svc

logger = logging.getLogger("ministack.tempora")


def _dispatch_to_lambda_async(arn, payload):
    try:
        event = json.loads(payload)
    except (json.JSONDecodeError, TypeError):
        event = {"body": payload}
    func, config, func_name = lambda_svc._get_func_record_for_ref(arn)
    if not func or not config:
        logger.warning("EventBridge -> Lambda: function %s not found", func_name)
        return
    record = lambda_svc._execution_record_for_config(func, config)
    lambda_svc.invoke_async_with_retry(record, event)
    logger.info("EventBridge -> Lambda %s: invoked asynchronously", func_name)


eventbridge._dispatch_to_lambda = _dispatch_to_lambda_async


def _reported_failures(result):
    body = result.get("body")
    if isinstance(body, (str, bytes)):
        try:
            body = json.loads(body)
        except (json.JSONDecodeError, TypeError):
            return 0
    failures = body.get("batchItemFailures") if isinstance(body, dict) else None
    return len(failures) if isinstance(failures, list) else 0


def _is_stream_batch(event):
    records = event.get("Records") if isinstance(event, dict) else None
    return isinstance(records, list) and records and all(
        isinstance(r, dict) and r.get("eventSource") == "aws:dynamodb" for r in records
    )


_execute_function = lambda_svc._execute_function


def _execute_function_honouring_batch_failures(func, event):
    result = _execute_function(func, event)
    if result.get("error") or not _is_stream_batch(event):
        return result
    failed = _reported_failures(result)
    if not failed:
        return result
    logger.info("DynamoDB stream batch: %d record(s) reported failed, the batch will be retried", failed)
    return {
        **result,
        "error": True,
        "body": {
            "errorType": "BatchItemFailures",
            "errorMessage": f"{failed} of {len(event['Records'])} record(s) reported failed",
        },
    }


lambda_svc._execute_function = _execute_function_honouring_batch_failures


def _exit_now():
    """State is saved: end the Lambda workers we started, then this process, without waiting."""
    logging.shutdown()
    if os.getpgrp() == os.getpid():
        # Started detached (npm run local): the group is this process and its workers only.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            os.killpg(os.getpgrp(), signal.SIGTERM)
        except OSError:
            pass
    else:
        from ministack.core import lambda_runtime

        lambda_runtime.reset()
    os._exit(0)


def _exiting_after_shutdown(app):
    async def wrapped(scope, receive, send):
        if scope.get("type") != "lifespan":
            return await app(scope, receive, send)

        async def send_and_exit(message):
            await send(message)
            if message.get("type") == "lifespan.shutdown.complete":
                logger.info("MiniStack state saved: stopping its Lambda workers and exiting")
                _exit_now()

        return await app(scope, receive, send_and_exit)

    return wrapped


if __name__ == "__main__":
    from ministack import app as ministack_app

    # main() serves the module's global `app`: serve the wrapped one.
    ministack_app.app = _exiting_after_shutdown(ministack_app.app)
    ministack_app.main()
