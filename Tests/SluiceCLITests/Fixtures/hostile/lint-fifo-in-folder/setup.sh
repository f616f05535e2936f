# A folder of specs where one *.yaml is a FIFO nobody writes to.
mkdir specs
cp spec.yaml specs/good.yaml
mkfifo specs/x.yaml
