"""Django's Redis cache backend, keeping one ``redis.Redis`` client per connection pool.

Django 5.2's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the pool on
every cache operation; with redis-py 8 that construction (event dispatcher, retry and response
callbacks) costs about as much CPU as the round trip itself, and several hot paths (token auth,
the runtime-settings stamp, throttles) make a cache call on every request. A ``redis.Redis`` is
thread-safe (each command borrows a connection from the pool) and its pool notices a fork, so
one client per pool is enough. Everything else (serialisation, key names, options) is
Django's, so this backend reads and writes exactly the same keys as the stock one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            # Two threads may both build one here: harmless, both wrap the same pool.
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


# A sliding log, as DRF's ``SimpleRateThrottle`` keeps (a request passes while fewer than
# ``limit`` passed in the last ``period`` seconds; refused ones are not counted), but as a
# sorted set in Redis updated by one script: one round trip instead of a GET and a SET of the
# whole pickled history, and no lost counts when two processes count the same key at once.
# Times are Redis's own clock (microseconds), so hosts need not agree on the time. A key left
# by the old throttle (a pickled list) is replaced. The keys after the first are only read,
# so a caller that needs another small value on every request gets it in the same round trip.
_RATE_LIMIT_LUA = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'zset' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end
-- Scores as integer strings: Lua would print these 16-digit numbers with 14 digits.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%.0f', now - period))
local reply = {1, 0}
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  reply = {0, tonumber(oldest[2]) + period - now}
else
  redis.call('ZADD', KEYS[1], string.format('%.0f', now), ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(period / 1000))
end
for i = 2, #KEYS do
  reply[#reply + 1] = redis.call('GET', KEYS[i])
end
return reply
"""


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    wait: float  # seconds until the oldest counted request leaves the window (0: allowed)
    values: dict[str, Any]  # the ``also_get`` keys' values (missing ones left out)


class RedisCache(DjangoRedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._rate_limit_scripts: dict[int, Any] = {}

    def set_and_publish(self, key: str, value: Any, channel: str) -> None:
        """``set(key, value, timeout=None)`` and publish ``key`` on ``channel``, in one round
        trip (``mira.stamps``)."""
        pipe = self._cache.get_client(write=True).pipeline(transaction=False)
        pipe.set(self.make_and_validate_key(key), self._cache._serializer.dumps(value))
        pipe.publish(channel, key)
        pipe.execute()

    def rate_limit(
        self, key: str, *, limit: int, period: float, also_get: tuple[str, ...] = ()
    ) -> RateDecision:
        """Count one request against ``limit`` per ``period`` seconds under ``key``, in one
        round trip (a script), and read the ``also_get`` keys in the same trip."""
        client = self._cache.get_client(write=True)
        script = self._rate_limit_scripts.get(id(client))
        if script is None:
            script = client.register_script(_RATE_LIMIT_LUA)
            self._rate_limit_scripts[id(client)] = script
        keys = [self.make_and_validate_key(k) for k in (key, *also_get)]
        period_us = period * 1_000_000
        # A unique member per request: two at the same microsecond both count.
        reply = script(keys=keys, args=[limit, period_us, secrets.token_hex(8)])
        loads = self._cache._serializer.loads
        values = {name: loads(raw) for name, raw in zip(also_get, reply[2:], strict=True) if raw}
        return RateDecision(allowed=bool(reply[0]), wait=int(reply[1]) / 1_000_000, values=values)
