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

4. AppSync Events authorization by mode. On AWS each operation is authorized by the modes
configured for it: the API's connection modes for a connect, the channel namespace's publish
and subscribe modes for those operations (Tempora's namespace: subscribe by the Lambda
authorizer, publish by IAM only). MiniStack 1.5.33 sends every operation to the Lambda
authorizer as soon as the API has one, so a publish signed with SigV4 reached the authorizer
(which must refuse publishes) and could never be made. Here an operation whose modes do not
include AWS_LAMBDA is checked against its own modes (`_modes_accept`: an IAM operation needs a
SigV4 `Authorization`, which MiniStack takes as sent, as it does without an authorizer).

5. AppSync Events endpoints reachable by path. MiniStack routes an Event API's realtime
WebSocket and HTTP publish by Host header only (`<apiId>.appsync-realtime-api.<region>.localhost`),
a name that does not resolve on every machine and that a browser cannot set. Here
`/_tempora/appsync-events/<apiId>/event` (HTTP) and `/_tempora/appsync-events/<apiId>/event/realtime`
(WebSocket) on the emulator's own port are the same endpoints: the path is rewritten to AWS's
(`/event`, `/event/realtime`) and the Host header to the API's advertised host before MiniStack
sees the request, so Node's WebSocket, `ws`, curl and Chromium reach it as they are.

Nothing else changes: these functions are wrapped before the server starts.
"""

import json
import logging
import os
import re
import signal

from ministack.services import appsync_events, eventbridge, lambda_svc

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


_authorize_event_op = appsync_events._authorize_event_op


async def _authorize_event_op_by_mode(api_id, channel, operation, auth, request_headers=None):
    if operation != appsync_events.EVENT_CONNECT and appsync_events._find_lambda_authorizer_arn(api_id):
        modes = appsync_events._operation_auth_modes(api_id, channel, operation)
        if "AWS_LAMBDA" not in modes:
            ok, _ = appsync_events._modes_accept(api_id, modes, auth)
            return (True, None) if ok else (False, f"{operation} rejected: not authorized by {sorted(modes)}")
    return await _authorize_event_op(api_id, channel, operation, auth, request_headers)


appsync_events._authorize_event_op = _authorize_event_op_by_mode

# /_tempora/appsync-events/<apiId>/event[/realtime]
_EVENTS_PATH = re.compile(r"^/_tempora/appsync-events/([a-z0-9]+)(/event(?:/realtime)?)/?$")


def _advertised_host(api_id, kind):
    """The host MiniStack advertises for the API's HTTP or REALTIME endpoint (any account, region)."""
    for (_account, _region, scoped_id), api in appsync_events._apis.all_items():
        if scoped_id == api_id:
            return (api.get("dns") or {}).get(kind)
    return None


def _appsync_events_by_path(app):
    async def wrapped(scope, receive, send):
        kind = {"http": "HTTP", "websocket": "REALTIME"}.get(scope.get("type"))
        match = _EVENTS_PATH.match(scope.get("path", "")) if kind else None
        host = _advertised_host(match.group(1), kind) if match else None
        if host:
            path = match.group(2)
            headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
            scope = {**scope, "path": path, "raw_path": path.encode(), "headers": [*headers, (b"host", host.encode())]}
        return await app(scope, receive, send)

    return wrapped


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
    ministack_app.app = _exiting_after_shutdown(_appsync_events_by_path(ministack_app.app))
    ministack_app.main()
