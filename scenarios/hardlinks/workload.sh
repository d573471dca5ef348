set -e
echo shared > a
ln a b
ln a c
[ "$(stat -c %i a)" = "$(stat -c %i b)" ] && [ "$(stat -c %i a)" = "$(stat -c %i c)" ]
[ "$(stat -c %h c)" = 3 ]
rm a
grep -q shared b && grep -q shared c
[ "$(stat -c %h b)" = 2 ]
