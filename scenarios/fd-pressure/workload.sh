set -e
[ "$(find . -type f | wc -l)" = 400 ]
find . -type f -exec cat {} + > /dev/null
find . -type f -print0 | xargs -0 stat -c %s > /dev/null
