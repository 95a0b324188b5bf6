"""MiniStack, started the way `npm run local` needs it: with AWS's asynchronous Lambda invocation
on the event-driven paths.

On AWS, EventBridge rules and EventBridge Scheduler invoke a Lambda target *asynchronously*:
a function error is retried by Lambda (twice, by default, or as its EventInvokeConfig says) and
then sent to the function's dead-letter queue. MiniStack 1.5.33 runs the function once in a
thread instead (`eventbridge._dispatch_to_lambda`), so a consumer that keeps failing loses the
event. Its own `Invoke` with `InvocationType=Event` does implement the AWS path
(`lambda_svc.invoke_async_with_retry`: retries, then DeadLetterConfig / OnFailure destination);
this launcher routes EventBridge and Scheduler targets through it, then starts MiniStack as
`python -m ministack` would. The functions' DeadLetterConfig itself (dropped by MiniStack's
CloudFormation) is applied after each deploy by localstack/dead-letters.ts.

Nothing else changes: one function, replaced before the server starts.
"""

import json
import logging

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

if __name__ == "__main__":
    from ministack.app import main

    main()
