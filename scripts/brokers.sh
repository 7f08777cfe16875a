#!/usr/bin/env bash
# Starts the brokers the queued-ingest tests use (issue 20) when they are not running:
# Redis on 127.0.0.1:6379 (keeps nothing on disk) and RabbitMQ on 127.0.0.1:5672 (guest/guest).
# The tests themselves start throwaway ones on free ports when these are still unreachable.
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! up 6379 && command -v redis-server >/dev/null 2>&1; then
  echo "starting redis-server on 6379" >&2
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/infocity-ci-redis.log || true
fi
if ! up 5672 && [ -x /usr/sbin/rabbitmq-server ]; then
  echo "starting rabbitmq-server on 5672" >&2
  rabbitmq-server -detached || true
  for _ in $(seq 60); do up 5672 && break; sleep 1; done
fi
exit 0
