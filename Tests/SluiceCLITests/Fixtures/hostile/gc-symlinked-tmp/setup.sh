# The cache's tmp/ is a symlink to a directory outside the workspace.
mkdir -p .sluice/cache/entries
ln -s "$CANARY" .sluice/cache/tmp
