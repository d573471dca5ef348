set -e
export HOME=$FT_SCRATCH GIT_CONFIG_NOSYSTEM=1
for d in $(seq 1 8); do mkdir -p src/m$d; for f in $(seq 1 5); do printf 'module %s file %s\n%s\n' $d $f "$(seq 1 $((d * f)))" > src/m$d/f$f.txt; done; done
git init -q .
git add .
git -c user.name=fusetrace -c user.email=fusetrace@localhost commit -q -m "generated tree"
echo change >> src/m1/f1.txt
echo change >> src/m8/f5.txt
[ "$(git status --porcelain | wc -l)" = 2 ]
git -c user.name=fusetrace -c user.email=fusetrace@localhost commit -q -am "two changes"
[ "$(git rev-list --count HEAD)" = 2 ]
git fsck --no-progress 2>&1 | grep -v '^dangling' | { ! grep -q .; }
