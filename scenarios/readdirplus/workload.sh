set -e
[ "$(ls -l big | grep -c entry-)" = 500 ]
[ "$(ls -l big | grep -c entry-)" = 500 ]
