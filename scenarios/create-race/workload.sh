set -e
cc -O1 -o "$FT_SCRATCH/create_race" "$FT_SCEN/create_race.c"
"$FT_SCRATCH/create_race" 8 race > "$FT_SCRATCH/race.out"
cat "$FT_SCRATCH/race.out"
[ "$(grep -c ' ok$' "$FT_SCRATCH/race.out")" = 8 ]
# every writer's record landed (checked in the source: the mount's cached
# attributes may lag behind the last writer by up to the attr timeout)
[ "$(stat -c %s "$FT_SRC/race")" = 64 ]
[ "$(grep -c "^c0000" "$FT_SRC/race")" = 8 ]
