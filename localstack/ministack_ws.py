"""MiniStack's API Gateway WebSocket APIs, as `npm run local` needs them (installed by
localstack/ministack_aws.py).

1. A refused $connect answers the Lambda's status and body. On AWS, when the $connect route's
Lambda answers a non-2xx `statusCode`, API Gateway refuses the handshake with that HTTP status
and the Lambda's body (a `ws` client's 'unexpected-response' event gets the response, whose
body it can read). MiniStack 1.5.33 closes the socket with 1008 instead (`handle_websocket`),
which its server, Hypercorn, turns into a bodyless 403 for every refusal. Here the refusal is
answered with ASGI's WebSocket Denial Response extension (`websocket.http.response.start` and
`.body`, which Hypercorn supports): the Lambda's status, `content-type: application/json` and
its body. A 5xx (a Lambda error: MiniStack then carries the error text, with its stack trace,
as the body) is answered with API Gateway's own `{"message": "Internal server error"}`.

2. Fault injection: a slow client. A `$connect` with the query parameter
`emulator_post_delay_ms=<n>` (0 < n <= 60000) that the Lambda accepts makes every
`POST /@connections/{id}` to that connection wait n ms before MiniStack takes it, as the post
to a client that reads slowly is held; other connections are unaffected. The parameter reaches
the $connect Lambda like any other (the routes ignore query parameters they do not know).

Both wrap MiniStack's functions (`_invoke_ws_lambda`, `handle_websocket`,
`handle_connections_api`), which it looks up as module attributes at call time.
"""

import asyncio
import base64
import contextvars
import json
import logging

from ministack.services import apigateway

logger = logging.getLogger("ministack.tempora")

POST_DELAY_PARAM = "emulator_post_delay_ms"
MAX_POST_DELAY_MS = 60_000

# The connection being opened by the current handle_websocket task: its id, and the $connect
# response when the Lambda refused it.
_handshake = contextvars.ContextVar("tempora_ws_handshake", default=None)
# connection id -> ms every post to it waits (emulator_post_delay_ms)
_post_delay_ms: dict[str, int] = {}


def _status_of(response):
    """The status MiniStack reads from a route's response (200 when it has none)."""
    try:
        return int((response or {}).get("statusCode", 200))
    except (TypeError, ValueError):
        return 500


def _post_delay_of(query_params):
    values = (query_params or {}).get(POST_DELAY_PARAM)
    if not values:
        return 0
    raw = values[-1] if isinstance(values, list) else values
    try:
        ms = int(raw)
    except (TypeError, ValueError):
        logger.warning("%s=%r is not an integer: ignored", POST_DELAY_PARAM, raw)
        return 0
    return max(0, min(ms, MAX_POST_DELAY_MS))


_invoke_ws_lambda = apigateway._invoke_ws_lambda


async def _invoke_ws_lambda_noting_connect(api_id, account_id, region, route, stage, connection_id,
                                           event_type, *args, **kwargs):
    response = await _invoke_ws_lambda(api_id, account_id, region, route, stage, connection_id,
                                       event_type, *args, **kwargs)
    handshake = _handshake.get()
    if event_type != "CONNECT" or handshake is None:
        return response
    handshake["connection_id"] = connection_id
    if 200 <= _status_of(response) < 300:
        delay = _post_delay_of(kwargs.get("query_params"))
        if delay:
            _post_delay_ms[connection_id] = delay
            logger.info("WebSocket %s: every post to it waits %d ms (%s)", connection_id, delay, POST_DELAY_PARAM)
    else:
        handshake["refusal"] = response or {}
    return response


def _refusal_response(response):
    """(status, body bytes) of the HTTP response refusing the handshake."""
    status = _status_of(response)
    if status >= 500:
        return status, json.dumps({"message": "Internal server error"}).encode()
    body = response.get("body")
    if body is None:
        return status, b""
    if isinstance(body, (dict, list)):
        return status, json.dumps(body).encode()
    if response.get("isBase64Encoded"):
        try:
            return status, base64.b64decode(body)
        except (ValueError, TypeError):
            pass
    return status, str(body).encode()


_handle_websocket = apigateway.handle_websocket


async def _handle_websocket_answering_refusals(scope, receive, send, api_id, path_override=None):
    handshake = {}
    token = _handshake.set(handshake)
    denial_supported = "websocket.http.response" in (scope.get("extensions") or {})

    async def send_refusal_as_response(message):
        refusal = handshake.pop("refusal", None)
        if refusal is None or message.get("type") != "websocket.close" or not denial_supported:
            return await send(message)
        status, body = _refusal_response(refusal)
        await send({"type": "websocket.http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "websocket.http.response.body", "body": body})

    try:
        return await _handle_websocket(scope, receive, send_refusal_as_response, api_id, path_override)
    finally:
        _handshake.reset(token)
        _post_delay_ms.pop(handshake.get("connection_id"), None)


_handle_connections_api = apigateway.handle_connections_api


async def _handle_connections_api_delaying_posts(method, api_id, stage, connection_id, body, headers):
    delay = _post_delay_ms.get(connection_id) if method == "POST" else None
    if delay:
        await asyncio.sleep(delay / 1000)
    return await _handle_connections_api(method, api_id, stage, connection_id, body, headers)


def install():
    apigateway._invoke_ws_lambda = _invoke_ws_lambda_noting_connect
    apigateway.handle_websocket = _handle_websocket_answering_refusals
    apigateway.handle_connections_api = _handle_connections_api_delaying_posts
