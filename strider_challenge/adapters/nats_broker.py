"""NATS JetStream as the broker `scli consume` reads: a durable pull consumer.

nats-py is asyncio; this adapter owns an event loop of its own and runs each call
to completion on it, so the consume loop and the load stay synchronous.
"""

import asyncio
import time
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext, api

from strider_challenge.domain.errors import BrokerError
from strider_challenge.domain.messages import Message

#: The subjects of a stream `scli consume` creates when it is missing.
STREAM_SUBJECTS = "strider.>"

#: Seconds to wait for the server to answer the first connection.
CONNECT_TIMEOUT = 2

#: The shortest pull worth asking for, in seconds (the server's expiry is shorter).
MIN_WAIT = 0.01

T = TypeVar("T")


class NatsBroker:
    """A durable JetStream pull consumer on one subject, acknowledged explicitly.

    Args:
        url: the server, nats://host:port.
        subject: the subject the consumer reads (wildcards allowed).
        stream: the JetStream stream; created for `strider.>` if missing.
        durable: the consumer's name: it remembers what was acknowledged.
        ack_wait: seconds before an unacknowledged message is delivered again
            (set when the consumer is created).
    """

    def __init__(
        self,
        *,
        url: str,
        subject: str,
        stream: str,
        durable: str,
        ack_wait: float,
    ) -> None:
        self.url = url
        self._subject = subject
        self._loop = asyncio.new_event_loop()
        # Every delivery of each sequence fetched and not yet acknowledged.
        self._unacked: dict[int, list[Msg]] = {}
        self._client: Client | None = None
        try:
            self._client = self._run(self._connect())
            self._subscription: JetStreamContext.PullSubscription = self._run(
                self._subscribe(self._client, stream, durable, ack_wait)
            )
        except BaseException:
            self.close()
            raise

    @property
    def subject(self) -> str:
        """The subject the consumer reads."""
        return self._subject

    def fetch(self, *, max_messages: int, max_wait: float) -> list[Message]:
        """Up to `max_messages` messages, waiting at most `max_wait` seconds."""
        found: list[Msg] = self._run(self._fetch(max_messages, max_wait))
        messages = []
        for msg in found:
            sequence = msg.metadata.sequence.stream
            self._unacked.setdefault(sequence, []).append(msg)
            messages.append(Message(sequence, msg.subject, msg.data))
        return messages

    def ack(self, messages: Sequence[Message]) -> None:
        """Acknowledge every delivery of these messages, and wait for the server."""
        deliveries = [self._unacked.pop(m.sequence, []) for m in messages]
        self._run(self._ack([msg for each in deliveries for msg in each]))

    def close(self) -> None:
        """Close the connection; what is not acknowledged will be redelivered."""
        if self._client is not None and not self._client.is_closed:
            self._run(self._client.close())
        self._loop.close()

    def _run(self, step: Coroutine[Any, Any, T]) -> T:
        try:
            result: T = self._loop.run_until_complete(step)
        except (nats.errors.Error, nats.js.errors.Error, OSError) as error:
            raise BrokerError(f"NATS at {self.url}: {_reason(error)}") from None
        return result

    async def _connect(self) -> Client:
        async def no_report(_error: Exception) -> None:
            """Errors surface where a call fails; the client need not print them."""

        return await nats.connect(
            self.url,
            connect_timeout=CONNECT_TIMEOUT,
            # One more try after a refusal, then NoServersError: the first
            # connection's retries count as reconnections.
            max_reconnect_attempts=1,
            allow_reconnect=False,
            error_cb=no_report,
        )

    async def _subscribe(
        self, client: Client, stream: str, durable: str, ack_wait: float
    ) -> JetStreamContext.PullSubscription:
        js = client.jetstream()
        try:
            await js.stream_info(stream)
        except nats.js.errors.NotFoundError:
            await js.add_stream(name=stream, subjects=[STREAM_SUBJECTS])
        # No cap on unacknowledged messages: a batch is acknowledged as a whole.
        config = api.ConsumerConfig(
            ack_policy=api.AckPolicy.EXPLICIT, ack_wait=ack_wait, max_ack_pending=-1
        )
        return await js.pull_subscribe(
            self._subject, durable=durable, stream=stream, config=config
        )

    async def _fetch(self, max_messages: int, max_wait: float) -> list[Msg]:
        """Pull until `max_messages` are in hand or `max_wait` has passed."""
        found: list[Msg] = []
        deadline = time.monotonic() + max_wait
        while (
            len(found) < max_messages
            and (left := deadline - time.monotonic()) >= MIN_WAIT
        ):
            try:
                found += await self._subscription.fetch(
                    max_messages - len(found), timeout=left
                )
            except asyncio.TimeoutError:  # nats-py raises its own or asyncio's
                break
        return found

    async def _ack(self, messages: list[Msg]) -> None:
        for msg in messages:
            await msg.ack()
        assert self._client is not None
        await self._client.flush()


def _reason(error: BaseException) -> str:
    """The error in words: nats-py's messages carry a `nats: ` prefix, or none."""
    if isinstance(error, nats.errors.NoServersError):
        return "no server answers (is nats-server running, with -js?)"
    return str(error).removeprefix("nats: ") or repr(error)
