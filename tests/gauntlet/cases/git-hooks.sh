#!/bin/bash
# git-hooks: git init, add and commit in a repository on the mount, with a
# pre-commit hook (writes the staged file list; rejects a commit that adds
# the word FORBIDDEN) and a post-commit hook (writes the new commit) that
# live in the repository's .git/hooks on the mount.  Fixed identities and
# dates make the commits the same in every run.
timeout=60
comms=(git)
pids=8
checks=(
	# three commits run the pre-commit hook, two get as far as post-commit
	"3|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/repo/.git/hooks/pre-commit'"
	"2|SELECT count(DISTINCT pid) FROM op WHERE op = 'OPEN' AND path = '/repo/.git/hooks/post-commit'"
)
ignore=(
	repo/.git/index     # caches each file's ctime, mtime, inode and device numbers
)

prepare() {
	local d=$1
	mkdir -p "$d/hooks" "$d/repo/src"
	cat > "$d/hooks/pre-commit" <<'SH'
#!/bin/sh
git diff --cached --name-only > hook-pre.txt
if git diff --cached | grep -q FORBIDDEN; then
	echo "pre-commit: refusing FORBIDDEN" >&2
	exit 1
fi
SH
	cat > "$d/hooks/post-commit" <<'SH'
#!/bin/sh
git log -1 --format='%H %s' > hook-post.txt
git log -1 --format='%s' >> hook-history.txt
SH
	chmod 755 "$d/hooks/pre-commit" "$d/hooks/post-commit"
	printf 'hello\n' > "$d/repo/a.txt"
	printf 'int main(void) { return 0; }\n' > "$d/repo/src/b.c"
}

workload() {
	export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export GIT_AUTHOR_NAME=Gauntlet GIT_AUTHOR_EMAIL=gauntlet@example.invalid
	export GIT_COMMITTER_NAME=Gauntlet GIT_COMMITTER_EMAIL=gauntlet@example.invalid
	export GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
	cd repo
	git init -q -b main .
	cp ../hooks/pre-commit ../hooks/post-commit .git/hooks/
	git add a.txt src/b.c
	git commit -q -m "first"
	cat hook-pre.txt hook-post.txt
	echo "more" >> a.txt
	git commit -q -a -m "second"
	cat hook-pre.txt hook-post.txt
	echo "FORBIDDEN" > c.txt
	git add c.txt
	if git commit -q -m "third" 2>>../gauntlet.log; then
		echo "third commit: accepted"
	else
		echo "third commit: rejected by the pre-commit hook"
	fi
	git log --format='%H %s'
	git status --porcelain
	cat hook-history.txt
	git fsck --strict 2>&1
}

. "$(dirname "$0")/lib.sh"
gauntlet_case "$@"
