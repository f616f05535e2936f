# The cache's packs/ is a symlink to a directory outside the workspace, which
# holds a file that looks like a pack.
mkdir -p .sluice/cache/entries
ln -s "$CANARY/dir" .sluice/cache/packs
printf 'not a pack\n' > "$CANARY/dir/old.jsonl"
