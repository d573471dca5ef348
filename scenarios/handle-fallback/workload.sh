set -e
mkdir ram/sub
for i in 1 2 3 4 5; do echo "ram $i" > ram/sub/f$i; done
cat ram/sub/f3 | grep -q "ram 3"
ls -l ram/sub > /dev/null
mv ram/sub/f1 ram/sub/g1
rm ram/sub/f2
cat disk/a > /dev/null
echo more >> disk/a
