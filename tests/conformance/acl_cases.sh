#!/bin/bash
# acl_cases.sh — POSIX ACL cases run in the current directory, one
# "name: result" line each, by acl.sh natively and through a mount, as root
# or as uid 1000 (whoever runs it).  Relative names only, so the output of
# two runs can be compared line by line.  Uses setfacl/getfacl (Debian's
# acl package).
set -u
me=$(id -u)
# ACL_OTHER_USERS=0: other users cannot reach this directory (a mount
# without allow_other); the cases that run as them are left out
others=${ACL_OTHER_USERS:-1}
other=$((me == 0 ? 1000 : 1001))   # a named user in the ACLs, not the caller

# show NAME PATH...: modes, owners and the ACL of each path (numeric ids)
show() {
	local name=$1 p; shift
	for p in "$@"; do
		printf '%s: %s %s acl=[%s]\n' "$name" "$p" "$(stat -c '%A %u:%g' "$p" 2>&1)" \
			"$(getfacl -cpn "$p" 2>&1 | sed '/^$/d' | tr '\n' ' ')"
	done
}

# try NAME CMD...: the command's exit status and its error message
try() {
	local name=$1 out; shift
	out=$("$@" 2>&1); echo "$name: rc=$? ${out:+out=$out}"
}

# as_user UID CMD...: CMD as another user (root only)
as_user() { local u=$1; shift; setpriv --reuid "$u" --regid "$u" --clear-groups "$@"; }

# 1. default ACL inheritance: the default ACL decides, the umask is ignored
#    (native rule); files, directories, FIFOs, with different umasks
mkdir inh
setfacl -d -m "u::rwx,g::r-x,o::---,u:$other:rwx" inh
for u in 077 022 000; do
	(umask $u
	 touch "inh/f$u"
	 mkdir "inh/d$u"
	 mkfifo "inh/p$u"
	 : > "inh/c$u")   # open(O_CREAT) through the shell
	show "inherit umask $u" "inh/f$u" "inh/d$u" "inh/p$u" "inh/c$u"
done
# nested: a directory made in a directory with a default ACL inherits it
mkdir inh/d022/nested
show "inherit nested" inh/d022/nested

# 2. no default ACL: the umask applies
mkdir plain
for u in 027 002; do
	(umask $u; touch "plain/f$u"; mkdir "plain/d$u")
	show "umask $u" "plain/f$u" "plain/d$u"
done

# 3. setgid directory with a default ACL: group and setgid inherited, ACL too
mkdir sg
chmod 2775 sg
setfacl -d -m "g::rwx,o::r-x,u:$other:r-x" sg
(umask 022; touch sg/f; mkdir sg/d)
show "setgid dir" sg sg/f sg/d

# 4. the mode after setfacl, seen at once (the attribute cache must not
#    keep the old one)
(umask 022; touch m)
show "mode initial" m
setfacl -m "u:$other:rw" m;  show "after setfacl named user" m
setfacl -m m::r m;           show "after setfacl mask" m
chmod 640 m;                 show "after chmod" m
setfacl -x "u:$other" m;     show "after setfacl -x" m
setfacl -b m;                show "after setfacl -b" m
mkdir md
setfacl -m "d:u:$other:rwx" md; show "after default on dir" md
setfacl -k md;                  show "after setfacl -k" md

# 5. setfacl on a setgid file: by its owner outside the file's group the
#    bit is cleared; by an owner in the group it stays
(umask 022; touch sgf)
chmod 2755 sgf
if [ "$me" = 0 ] && [ "$others" = 1 ]; then
	chown 1000:0 sgf; chmod 2755 sgf
	try "setfacl on setgid file, owner outside group" as_user 1000 setfacl -m u:1001:r sgf
elif [ "$me" != 0 ]; then
	try "setfacl on setgid file, owner in group" setfacl -m "u:$other:r" sgf
fi
show "setgid file after setfacl" sgf

# 6. errors: setfacl by a non-owner, an invalid ACL, on a missing file
if [ "$me" = 0 ] && [ "$others" = 1 ]; then
	(umask 022; touch notmine)
	try "setfacl by non-owner" as_user 1000 setfacl -m u:1001:r notmine
elif [ "$me" != 0 ]; then
	try "setfacl by non-owner" setfacl -m u:1001:r /proc/self/status
fi
try "setfacl missing" setfacl -m u:1001:r missing

# 7. enforcement (root only: needs other users): a named-user entry grants,
#    the mask limits, a group entry grants
if [ "$me" = 0 ] && [ "$others" = 1 ]; then
	echo secret > e; chmod 600 e
	try "read without acl" as_user 1000 cat e
	setfacl -m u:1000:r e
	try "read with named user" as_user 1000 cat e
	setfacl -m m::- e
	try "read with mask none" as_user 1000 cat e
	setfacl -m m::rw,u:1000:rw e
	try "write with named user" as_user 1000 sh -c 'echo more >> e'
	mkdir ed; chmod 700 ed; touch ed/x
	try "list without acl" as_user 1000 ls ed
	setfacl -m u:1000:rx ed
	try "list with named user" as_user 1000 ls ed
	# a user's file in the inheriting directory: owner and ACL
	chmod 777 inh
	as_user 1000 sh -c 'umask 077; touch inh/byuser; mkdir inh/dbyuser'
	show "created by uid 1000" inh/byuser inh/dbyuser
fi
