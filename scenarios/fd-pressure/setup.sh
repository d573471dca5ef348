for d in $(seq 1 20); do mkdir d$d; for f in $(seq 1 20); do echo "$d/$f" > d$d/f$f; done; done
