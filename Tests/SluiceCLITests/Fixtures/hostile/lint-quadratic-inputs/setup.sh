# Two specs that made lint quadratic: an 8 KB line of unclosed {{ (4,096
# errors on one line) and 1,000 tasks each needing a misspelt name.
{
  printf 'pipeline: braces\ntasks:\n  a:\n    run: "'
  awk 'BEGIN { for (i = 0; i < 4096; i++) printf "{{" }'
  printf '"\n'
} > unclosed.yaml
awk 'BEGIN {
  print "pipeline: needs"; print "tasks:"
  for (i = 0; i < 1000; i++) {
    printf "  task_%d:\n    run: echo\n", i
    if (i > 0) printf "    needs: [tsak_%d]\n", i - 1
  }
}' > needs.yaml
