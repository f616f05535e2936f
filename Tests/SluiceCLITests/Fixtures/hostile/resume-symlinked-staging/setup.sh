# Bait: a file named like the task's staged outputs.
printf 'bait\n' > "$CANARY/swap.try1.outputs"
