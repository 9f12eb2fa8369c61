#!/usr/bin/env bash
# Generic CI recipe: verify a Warrant model on this checkout and submit the results.
# Needs WARRANT_URL, WARRANT_API_KEY (a wv_ key from the CI's secret store), WARRANT_MODEL and WARRANT_VERSION (exact).
# Optional: WARRANT_SIGNING_KEY (path of the workspace P-256 key; without it, Sigstore keyless signing when the CI
# offers SIGSTORE_ID_TOKEN), WARRANT_TIER2_PROVIDER, WARRANT_TIER2_MODEL, and WARRANT_REQUIRE_ATTESTATION=false to
# accept unsigned results (by default a run that cannot be signed fails and submits nothing).
set -euo pipefail
: "${WARRANT_URL:?set WARRANT_URL}" "${WARRANT_API_KEY:?set WARRANT_API_KEY from the secret store}"
: "${WARRANT_MODEL:?set WARRANT_MODEL}" "${WARRANT_VERSION:?set WARRANT_VERSION to an exact version}"
case "$WARRANT_VERSION" in *[!0-9.]*) echo "WARRANT_VERSION must be an exact version such as 0.1.0" >&2; exit 2;; esac
args=(run "$WARRANT_MODEL" --tier2-provider "${WARRANT_TIER2_PROVIDER:-none}")
if [ -n "${WARRANT_TIER2_MODEL:-}" ]; then args+=(--tier2-model "$WARRANT_TIER2_MODEL"); fi
if [ -n "${WARRANT_SIGNING_KEY:-}" ]; then args+=(--signing-key "$WARRANT_SIGNING_KEY"); fi
case "${WARRANT_REQUIRE_ATTESTATION:-true}" in
  true) args+=(--require-attestation);;
  false) ;;
  *) echo "WARRANT_REQUIRE_ATTESTATION must be true or false" >&2; exit 2;;
esac
exec npx --yes --package "@warrant/cli@${WARRANT_VERSION}" warrant "${args[@]}"
