mkdir big
for i in $(seq 1 500); do : > big/entry-with-a-longish-name-$i; done
