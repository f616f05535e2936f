# Bait: a params file next to the workspace (in the canary directory) holding
# the secret, and the spec's params_file pointing at it with ../
[ "$(dirname "$CANARY")" = "$(dirname "$(pwd -P)")" ] || { echo "canary and workspace are not siblings" >&2; exit 1; }
printf "token: '%s'\n" "$HOSTILE_SECRET" > "$CANARY/params.yaml"
sed -i "s|@OUTSIDE@|../$(basename "$CANARY")|" spec.yaml
grep -q "params_file: \"\.\./" spec.yaml
