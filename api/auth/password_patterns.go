package auth

// repeated reports whether r is one group of characters written at least
// twice, the last copy possibly cut short ("aaaa", "abcabcab",
// "121212121212"). Its shortest period comes from the prefix function of
// Knuth, Morris and Pratt, in linear time.
func repeated(r []rune) bool {
	n := len(r)
	if n < 2 {
		return false
	}
	pi := make([]int, n)
	for i := 1; i < n; i++ {
		k := pi[i-1]
		for k > 0 && r[i] != r[k] {
			k = pi[k-1]
		}
		if r[i] == r[k] {
			k++
		}
		pi[i] = k
	}
	period := n - pi[n-1]
	return 2*period <= n
}

// sequences are the orders an easy password walks along: the alphabet and
// the digits (going round: "7890123", "xyzabc"), the rows of the keyboard
// layouts of the nations that use this service (a row walked off its end
// onto the next: "qwertyuiopas"), QWERTY's columns ("1qaz2wsx"), the
// symbols of the number row ("!@#$%"), and the numeric keypad. A walk
// goes either way along one of them.
var sequences = []struct {
	chars  string
	cyclic bool
}{
	{"abcdefghijklmnopqrstuvwxyz", true},
	{"0123456789", true},
	{"1234567890qwertyuiopasdfghjklzxcvbnm", false}, // QWERTY rows, one after the other
	{"`1234567890-=", false},                        // QWERTY rows with their symbols
	{`qwertyuiop[]\`, false},
	{"asdfghjkl;'", false},
	{"zxcvbnm,./", false},
	{"~!@#$%^&*()_+", false},
	{"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/", false}, // QWERTY columns, top to bottom
	{"qazwsxedcrfvtgbyhnujmik,ol.p;/", false},
	{"qwertyuiopåasdfghjklöäzxcvbnm", false}, // Swedish, Finnish
	{"qwertyuiopåasdfghjkløæzxcvbnm", false}, // Norwegian, Danish
	{"qwertzuiopüasdfghjklöäyxcvbnm", false}, // German
	{"azertyuiopqsdfghjklmwxcvbn", false},    // French, Belgian
	{"789456123", false},                     // numeric keypad rows
	{"741852963", false},                     // numeric keypad columns
}

// sequenceIndex is, for each character of any sequence, where it stands in
// each of them (-1 where it does not), so that a step costs one map look-up
// per character.
var sequenceIndex = func() map[rune][]int {
	idx := map[rune][]int{}
	for i, s := range sequences {
		for j, c := range []rune(s.chars) {
			if idx[c] == nil {
				idx[c] = make([]int, len(sequences))
				for k := range idx[c] {
					idx[c][k] = -1
				}
			}
			idx[c][i] = j
		}
	}
	return idx
}()

// sequenceLen is the length in characters of each sequence.
var sequenceLen = func() []int {
	if 2+2*len(sequences) > 64 {
		panic("auth: too many sequences for the bits of a step set")
	}
	n := make([]int, len(sequences))
	for i, s := range sequences {
		n[i] = len([]rune(s.chars))
	}
	return n
}()

// stepSame is the step of a character written again; the step one forwards
// along sequence i is bit 1+2i, one backwards bit 2+2i.
const stepSame = 1

// steps is the set of steps that lead from a to b, whose places in the
// sequences are pa and pb.
func steps(a, b rune, pa, pb []int) uint64 {
	if a == b {
		return stepSame
	}
	if pa == nil || pb == nil {
		return 0
	}
	var set uint64
	for i, s := range sequences {
		x, y, n := pa[i], pb[i], sequenceLen[i]
		if x < 0 || y < 0 {
			continue
		}
		switch {
		case y == x+1 || s.cyclic && x == n-1 && y == 0:
			set |= 1 << (1 + 2*i)
		case y == x-1 || s.cyclic && x == 0 && y == n-1:
			set |= 1 << (2 + 2*i)
		}
	}
	return set
}

// pattern reports whether r is made of runs, each of one character
// repeated or a walk one step at a time in one direction along one
// sequence, that are on average at least 4 characters long:
// "qwertyuiopas", "123456789012", "1qaz2wsx3edc", "aaaa1234bbbb" and
// "!!qwertyuiopas!!" are; a passphrase or a random string, whose runs are
// mostly single characters, is not. The runs are cut greedily from the
// left: a run goes on while some step it has taken so far leads to the
// next character.
func pattern(r []rune) bool {
	if len(r) == 0 {
		return false
	}
	runs := 1
	var open uint64 = ^uint64(0) // a run of one character may go any way
	prev := sequenceIndex[r[0]]
	for i := 1; i < len(r); i++ {
		cur := sequenceIndex[r[i]]
		s := steps(r[i-1], r[i], prev, cur)
		prev = cur
		if open&s != 0 {
			open &= s
			continue
		}
		runs++
		open = ^uint64(0)
	}
	return 4*runs <= len(r)
}
