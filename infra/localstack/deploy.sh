#!/usr/bin/env bash
# Runs the whole template.yaml stack on LocalStack: starts LocalStack (pinned image, Docker socket
# for Lambda), stores the Incus credentials and the API keys as Secrets Manager secrets, builds the
# functions and deploys them with samlocal. Safe to run again: secrets are updated, the stack too.
#
#   LOCALSTACK_AUTH_TOKEN=... UPLINK_INCUS_URL=https://172.17.0.1:8443 \
#   UPLINK_INCUS_CERT_DIR=/var/lib/uplink-test infra/localstack/deploy.sh
#
# Needs: a Docker engine (LocalStack runs each Lambda function in a container), the aws CLI,
# samlocal (pip install aws-sam-cli-local), Maven and a JDK 21+. See infra/localstack/README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

# The image the LocalStack contract test runs (LocalStackAwsContractTest.DEFAULT_IMAGE).
IMAGE="${UPLINK_LOCALSTACK_IMAGE:-localstack/localstack:4.9.2}"
CONTAINER="${UPLINK_LOCALSTACK_CONTAINER:-uplink-localstack}"
ENDPOINT="http://localhost.localstack.cloud:4566"
REGION=us-east-1
INCUS_URL="${UPLINK_INCUS_URL:-https://172.17.0.1:8443}"
CERT_DIR="${UPLINK_INCUS_CERT_DIR:-/var/lib/uplink-test}"
STATE_DIR="uplink-data/localstack"

die() { echo "deploy.sh: $*" >&2; exit 1; }

command -v docker >/dev/null || die "no docker command: LocalStack, and every Lambda function on it, runs in Docker"
docker info >/dev/null 2>&1 || die "no Docker engine answers: LocalStack, and every Lambda function on it, needs one"
[ -n "${LOCALSTACK_AUTH_TOKEN:-}" ] \
  || die "LOCALSTACK_AUTH_TOKEN is not set: LocalStack images since March 2026 refuse to start without it, and the HTTP API is a LocalStack Pro service"
command -v aws >/dev/null || die "no aws CLI (pip install awscli)"
command -v samlocal >/dev/null || die "no samlocal (pip install aws-sam-cli-local; it wraps the AWS SAM CLI)"
for pem in client.crt client.key server.crt; do
  [ -r "$CERT_DIR/$pem" ] || die "$CERT_DIR/$pem is missing: set UPLINK_INCUS_CERT_DIR to the directory holding client.crt, client.key and server.crt"
done

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=$REGION
awsls() { aws --endpoint-url "$ENDPOINT" --region "$REGION" "$@"; }

# 1. LocalStack, with the Docker socket (Lambda) and the host's architecture for every function.
if ! docker ps --format '{{.Names}}' | grep -qx "$CONTAINER"; then
  docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
  docker run -d --name "$CONTAINER" -p 127.0.0.1:4566:4566 \
    -e LOCALSTACK_AUTH_TOKEN \
    -e LAMBDA_IGNORE_ARCHITECTURE=1 \
    -v /var/run/docker.sock:/var/run/docker.sock \
    "$IMAGE" >/dev/null
fi
echo "Waiting for LocalStack ($IMAGE) ..."
for _ in $(seq 1 90); do
  curl -fsS "$ENDPOINT/_localstack/health" >/dev/null 2>&1 && break
  sleep 2
done
curl -fsS "$ENDPOINT/_localstack/health" >/dev/null || die "LocalStack did not become healthy: docker logs $CONTAINER"

# 2. Secrets: each is stored (or updated) and named to the stack by its ARN, never passed by value.
mkdir -p "$STATE_DIR" && chmod 700 "$STATE_DIR"
keyfile() { # a development key made once and kept (0600) for the next run and for curl
  local file="$STATE_DIR/$1"
  [ -s "$file" ] || (umask 077; echo "$2-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')" > "$file")
  cat "$file"
}
API_KEY="$(keyfile api-key dev)"
OPERATOR_KEY="$(keyfile operator-key ops)"
secret() { # name, file with the value -> ARN
  if awsls secretsmanager describe-secret --secret-id "$1" >/dev/null 2>&1; then
    awsls secretsmanager put-secret-value --secret-id "$1" --secret-string "file://$2" >/dev/null
  else
    awsls secretsmanager create-secret --name "$1" --secret-string "file://$2" >/dev/null
  fi
  awsls secretsmanager describe-secret --secret-id "$1" --query ARN --output text
}
(umask 077
 echo -n "${UPLINK_API_KEYS:-$API_KEY=dev@*:/}" > "$STATE_DIR/api-keys"
 echo -n "${UPLINK_OPERATOR_KEYS:-$OPERATOR_KEY=dev-operator}" > "$STATE_DIR/operator-keys")
CERT_ARN="$(secret uplink/incus/client.crt "$CERT_DIR/client.crt")"
KEY_ARN="$(secret uplink/incus/client.key "$CERT_DIR/client.key")"
SERVER_ARN="$(secret uplink/incus/server.crt "$CERT_DIR/server.crt")"
API_KEYS_ARN="$(secret uplink/api-keys "$STATE_DIR/api-keys")"
OPERATOR_KEYS_ARN="$(secret uplink/operator-keys "$STATE_DIR/operator-keys")"

# 3. Build: sam build runs Maven in each function's module, which finds uplink-core (and the parent
#    POM) in the local Maven repository, so install them first; tests are run by mvn verify, not here.
mvn -B -q install -DskipTests
MAVEN_OPTS="${MAVEN_OPTS:-} -DskipTests" samlocal build --config-file "$PWD/infra/localstack/samconfig.toml" --config-env localstack

# 4. Deploy.
samlocal deploy --config-file "$PWD/infra/localstack/samconfig.toml" --config-env localstack \
  --parameter-overrides \
    ProcessorTimeout=60 LogRetentionDays=1 MaxReceiveCount=5 QueueType=standard \
    "IncusUrl=$INCUS_URL" \
    "IncusClientCertSecretArn=$CERT_ARN" \
    "IncusClientKeySecretArn=$KEY_ARN" \
    "IncusServerCertSecretArn=$SERVER_ARN" \
    "ApiKeysSecretArn=$API_KEYS_ARN" \
    "OperatorKeysSecretArn=$OPERATOR_KEYS_ARN"

API_ID="$(awsls cloudformation describe-stack-resource --stack-name uplink \
  --logical-resource-id UploadHttpApi --query StackResourceDetail.PhysicalResourceId --output text)"
echo
echo "API:          http://$API_ID.execute-api.localhost.localstack.cloud:4566"
echo "API key:      $STATE_DIR/api-key (owner dev, anywhere)"
echo "operator key: $STATE_DIR/operator-key"
