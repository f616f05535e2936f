# A shard of the cache that is a symlink to a directory outside the workspace.
mkdir -p .sluice/cache/entries
ln -s "$CANARY/dir" .sluice/cache/entries/ab
