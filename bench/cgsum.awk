# Summarise a callgrind output file (one event, Ir): prints
#   total N
#   fn SELF INCL NAME
#   call COST CALLER CALLEE
# for every function and every caller/callee pair, with costs summed over all objects/files that share
# NAME. SELF is the cost of the function's own instructions, INCL adds the
# inclusive cost of every call it made (recursive calls excepted).
# Written for callgrind's format as documented in the Valgrind manual
# ("Callgrind Format Specification"): name compression "(id) name", cost
# lines "position cost", and a call's cost on the line after "calls=".
function name_of(s,    id, rest) {
	sub(/^[a-z]+=/, "", s)
	if (match(s, /^\([0-9]+\)/)) {
		id = substr(s, 2, RLENGTH - 2)
		rest = substr(s, RLENGTH + 1)
		sub(/^ /, "", rest)
		if (rest != "")
			names[id] = rest
		return names[id]
	}
	return s
}
/^fn=/    { cur = name_of($0); seen[cur] = 1; incall = 0; next }
/^cfn=/   { callee = name_of($0); next }
/^calls=/ { incall = 1; next }
/^(summary|totals):/ { total = $2; next }
/^[0-9+*-]/ {
	if (incall) {
		if (callee != cur) {
			calls[cur] += $2
			edge[cur SUBSEP callee] += $2
		}
		incall = 0
	} else {
		self[cur] += $2
	}
	next
}
END {
	printf "total %d\n", total
	for (f in seen)
		printf "fn %d %d %s\n", self[f], self[f] + calls[f], f
	for (e in edge) {
		split(e, p, SUBSEP)
		printf "call %d %s %s\n", edge[e], p[1], p[2]
	}
}
