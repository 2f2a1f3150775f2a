#!/bin/sh
# Makes the namespace ready for the worker: waits for the Temporal frontend, creates the namespace if it is
# missing, and registers this project's custom search attributes on it. Runs in temporalio/admin-tools
# (docker-compose.yml, service temporal-init); idempotent, re-running it changes nothing.
#
# Follows temporalio/samples-server compose/scripts/create-namespace.sh (wait for the port, then
# `operator cluster health`, then describe-or-create). The search attributes are added with
# `temporal operator search-attribute create`: with SQL visibility they are aliases on the namespace, and the
# server skips names that already exist (temporalio/temporal v1.29.1 service/frontend/operator_handler.go);
# the CLI refuses a name that exists with another type (temporalio/cli commands.operator_search_attribute.go).
set -eu

ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
NAMESPACE=${TEMPORAL_NAMESPACE:-default}
RETENTION=${TEMPORAL_NAMESPACE_RETENTION:-7d}
MAX_ATTEMPTS=${INIT_MAX_ATTEMPTS:-60}
SLEEP_SECONDS=${INIT_SLEEP_SECONDS:-5}

# name=Type; must match SEARCH_ATTRIBUTES in src/workflows/api.ts.
SEARCH_ATTRIBUTES="EvsVolumeId=Keyword EvsPhase=Keyword EvsImageId=Keyword EvsServerIds=KeywordList"

# retry <what> <command...>: runs the command until it succeeds, at most MAX_ATTEMPTS times.
retry() {
  what=$1
  shift
  attempt=1
  until "$@"; do
    if [ "$attempt" -ge "$MAX_ATTEMPTS" ]; then
      echo "init: $what: still failing after $attempt attempts" >&2
      return 1
    fi
    echo "init: $what: not ready (attempt $attempt/$MAX_ATTEMPTS), retrying in ${SLEEP_SECONDS}s"
    attempt=$((attempt + 1))
    sleep "$SLEEP_SECONDS"
  done
}

ensure_namespace() {
  if temporal operator namespace describe --address "$ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; then
    echo "init: namespace '$NAMESPACE' exists (retention left as it is)"
    return 0
  fi
  temporal operator namespace create --address "$ADDRESS" -n "$NAMESPACE" --retention "$RETENTION" &&
    echo "init: namespace '$NAMESPACE' created, retention $RETENTION"
}

ensure_search_attributes() {
  if output=$(temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" "$@" 2>&1); then
    echo "init: search attributes on '$NAMESPACE': $SEARCH_ATTRIBUTES"
    return 0
  fi
  echo "$output" >&2
  case $output in
    *"different type"*)
      echo "init: a search attribute exists with another type; retrying cannot fix that" >&2
      exit 1
      ;;
  esac
  return 1
}

echo "init: waiting for the Temporal frontend at $ADDRESS"
retry "port $ADDRESS" nc -z -w 10 "${ADDRESS%:*}" "${ADDRESS##*:}"
retry "cluster health" temporal operator cluster health --address "$ADDRESS"

retry "namespace '$NAMESPACE'" ensure_namespace

set --
for pair in $SEARCH_ATTRIBUTES; do
  set -- "$@" --name "${pair%%=*}" --type "${pair#*=}"
done
retry "search attributes" ensure_search_attributes "$@"

temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE"
echo "init: done"
