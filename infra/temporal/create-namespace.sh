#!/bin/sh
# One-shot job (Compose service `temporal-namespace`, image temporalio/admin-tools of the server's version):
# once the server answers, makes sure tokku's namespace exists with the configured retention (creates it, or
# updates the retention of an existing one), then waits until the namespace is served, so the workers' first
# poll finds it. Safe to run on every start.
set -eu
address=${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS (host:port of the frontend)}
namespace=${TEMPORAL_NAMESPACE:-default}
retention=${TEMPORAL_RETENTION:?set TEMPORAL_RETENTION (e.g. 365d)}
tries=${TEMPORAL_WAIT_TRIES:-60}

retry() {  # retry COMMAND...: up to $tries times, 2 s apart
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$tries" ]; then
      echo "gave up after $tries tries: $*" >&2
      return 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
}

exists() {
  temporal operator namespace describe --namespace "$namespace" --address "$address" >/dev/null 2>&1
}

retry temporal operator cluster health --address "$address"
if exists; then
  temporal operator namespace update --namespace "$namespace" --retention "$retention" --address "$address"
else
  # `|| exists`: another run may have created it in between
  temporal operator namespace create --namespace "$namespace" --retention "$retention" --address "$address" \
    --description "tokku: designation applications (one workflow per application)" || exists
fi
served() {
  temporal operator search-attribute list --namespace "$namespace" --address "$address" >/dev/null 2>&1
}

# A new namespace reaches the frontends' caches within about 15 s.
retry served
echo "namespace $namespace ready (retention $retention)"
