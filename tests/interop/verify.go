// Command verify checks kifu's checkpoints and proofs with Go's
// golang.org/x/mod/sumdb/note and sumdb/tlog, an implementation independent
// of kifu's C code.
//
//	verify -note cp2 -vkey LOGKEY [-vkey AUDITORKEY] [-origin O]
//	       [-old-note cp1] [-inclusion proof.json [-entry body.hex]]
//	       [-consistency proof.json]
//
// Every -vkey must have a valid signature on -note; the first -vkey must
// have one on -old-note. Size and root are taken from the signed note text,
// never from the proof JSON (whose copies must merely agree with the note).
// Any failure prints a message and exits 1.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type vkeys []string

func (v *vkeys) String() string     { return strings.Join(*v, ",") }
func (v *vkeys) Set(s string) error { *v = append(*v, s); return nil }

// checkpoint is a verified tlog-checkpoint body.
type checkpoint struct {
	origin string
	size   int64
	root   tlog.Hash
}

type inclusion struct {
	Seq   int64    `json:"seq"`
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Leaf  string   `json:"leaf"`
	Path  []string `json:"path"`
	Root  string   `json:"root"`
}

type consistency struct {
	From    int64    `json:"from"`
	Size    int64    `json:"size"`
	Path    []string `json:"path"`
	OldRoot string   `json:"old_root"`
	Root    string   `json:"root"`
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "verify: "+format+"\n", args...)
	os.Exit(1)
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := hex.DecodeString(s)
	if err != nil {
		return h, err
	}
	if len(b) != tlog.HashSize {
		return h, fmt.Errorf("hash %q is %d bytes, want %d", s, len(b), tlog.HashSize)
	}
	copy(h[:], b)
	return h, nil
}

func parsePath(p []string) ([]tlog.Hash, error) {
	hs := make([]tlog.Hash, len(p))
	for i, s := range p {
		var err error
		if hs[i], err = parseHash(s); err != nil {
			return nil, fmt.Errorf("path[%d]: %v", i, err)
		}
	}
	return hs, nil
}

// openNote verifies the signed note in file and requires a valid signature
// by each of the given verifier keys, then parses its checkpoint body.
func openNote(file string, keys []string) checkpoint {
	msg, err := os.ReadFile(file)
	check(err, "reading "+file)
	var vs []note.Verifier
	for _, k := range keys {
		v, err := note.NewVerifier(k)
		check(err, "verifier key "+k)
		vs = append(vs, v)
	}
	n, err := note.Open(msg, note.VerifierList(vs...))
	check(err, file)
	for _, v := range vs {
		found := false
		for _, s := range n.Sigs {
			found = found || (s.Name == v.Name() && s.Hash == v.KeyHash())
		}
		if !found {
			fail("%s: no valid signature by %s", file, v.Name())
		}
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		fail("%s: body is not origin, size, root", file)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 || strconv.FormatInt(size, 10) != lines[1] {
		fail("%s: bad tree size %q", file, lines[1])
	}
	root, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(root) != tlog.HashSize {
		fail("%s: bad root hash %q", file, lines[2])
	}
	cp := checkpoint{origin: lines[0], size: size}
	copy(cp.root[:], root)
	return cp
}

func readJSON(file string, v any) {
	data, err := os.ReadFile(file)
	check(err, "reading "+file)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	check(dec.Decode(v), file)
}

func main() {
	var keys vkeys
	flag.Var(&keys, "vkey", "verifier key that must have signed -note (repeatable; first is the log's)")
	noteFile := flag.String("note", "", "checkpoint (signed note)")
	oldNote := flag.String("old-note", "", "older checkpoint for -consistency")
	origin := flag.String("origin", "", "expected origin line")
	incFile := flag.String("inclusion", "", "kifu prove SEQ --json output")
	entryFile := flag.String("entry", "", "hex of the entry bytes proved by -inclusion")
	conFile := flag.String("consistency", "", "kifu prove --from M --json output")
	flag.Parse()
	if *noteFile == "" || len(keys) == 0 || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}

	cp := openNote(*noteFile, keys)
	if *origin != "" && cp.origin != *origin {
		fail("origin %q, want %q", cp.origin, *origin)
	}
	fmt.Printf("note ok: %s size %d root %x, %d signature(s)\n", cp.origin, cp.size, cp.root[:], len(keys))

	if *incFile != "" {
		var p inclusion
		readJSON(*incFile, &p)
		leaf, err := parseHash(p.Leaf)
		check(err, "leaf")
		path, err := parsePath(p.Path)
		check(err, *incFile)
		if p.Index != p.Seq-1 || p.Size != cp.size || p.Root != hex.EncodeToString(cp.root[:]) {
			fail("%s: index/size/root do not match seq %d and the checkpoint", *incFile, p.Seq)
		}
		if *entryFile != "" {
			data, err := os.ReadFile(*entryFile)
			check(err, "reading "+*entryFile)
			body, err := hex.DecodeString(strings.TrimSpace(string(data)))
			check(err, *entryFile)
			if h := tlog.RecordHash(body); h != leaf {
				fail("leaf %s is not the hash of the entry bytes (%x)", p.Leaf, h[:])
			}
		}
		check(tlog.CheckRecord(path, cp.size, cp.root, p.Index, leaf),
			fmt.Sprintf("inclusion of seq %d in size %d", p.Seq, cp.size))
		fmt.Printf("inclusion ok: seq %d (index %d) in size %d\n", p.Seq, p.Index, cp.size)
	}

	if *conFile != "" {
		var p consistency
		readJSON(*conFile, &p)
		path, err := parsePath(p.Path)
		check(err, *conFile)
		oldRoot, err := parseHash(p.OldRoot)
		check(err, "old_root")
		if p.Size != cp.size || p.Root != hex.EncodeToString(cp.root[:]) {
			fail("%s: size/root do not match the checkpoint", *conFile)
		}
		if *oldNote != "" {
			old := openNote(*oldNote, keys[:1])
			if old.origin != cp.origin || old.size != p.From || old.root != oldRoot {
				fail("%s: from/old_root do not match %s", *conFile, *oldNote)
			}
		}
		check(tlog.CheckTree(path, cp.size, cp.root, p.From, oldRoot),
			fmt.Sprintf("consistency of size %d with size %d", p.From, cp.size))
		fmt.Printf("consistency ok: size %d -> %d\n", p.From, cp.size)
	}
}
