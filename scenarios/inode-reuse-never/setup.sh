echo "OLD content" > old
for i in 1 2 3 4 5 6; do echo "evict $i" > evict$i; done
