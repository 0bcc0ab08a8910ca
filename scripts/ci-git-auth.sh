# Sourced by workflow steps that fetch or push the deployment history and lock refs.
# Checkouts keep no credentials (persist-credentials: false); this gives git the job's
# token for this step only, through the environment, without writing it to any file.
if [ -n "${GITHUB_TOKEN:-}" ] && [ -n "${GITHUB_SERVER_URL:-}" ]; then
  GIT_CONFIG_COUNT=1
  GIT_CONFIG_KEY_0="http.${GITHUB_SERVER_URL}/.extraheader"
  GIT_CONFIG_VALUE_0="AUTHORIZATION: basic $(printf 'x-access-token:%s' "$GITHUB_TOKEN" | base64 | tr -d '\n')"
  export GIT_CONFIG_COUNT GIT_CONFIG_KEY_0 GIT_CONFIG_VALUE_0
fi
git config user.name "github-actions[bot]"
git config user.email "41898282+github-actions[bot]@users.noreply.github.com"
