package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The crash tests re-run this test binary as a child process that works on
// a store and reports on stdout what it has committed; the parent kills it
// with SIGKILL at a random moment, then opens the store and checks that
// every reported commit is there, whole.

const (
	crashDirEnv   = "SEOULID_WALLET_CRASH_DIR"
	crashRoundEnv = "SEOULID_WALLET_CRASH_ROUND"
)

// crashPayload is the payload of write i of a round; its size varies so
// that writes span pages.
func crashPayload(round, i int) []byte {
	n := 50 + (i*7919)%4000
	return []byte(fmt.Sprintf("round %d write %d %s", round, i, strings.Repeat("x", n)))
}

// startChild runs the test named test as a child with the given env, and
// returns a channel of its report lines (closed at its end) and the command.
func startChild(t *testing.T, test string, env ...string) (*exec.Cmd, <-chan string) {
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan string, 1<<16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if l, ok := strings.CutPrefix(sc.Text(), "crash: "); ok {
				lines <- l
			}
		}
	}()
	return cmd, lines
}

// kill SIGKILLs the child and returns the report lines it had not yet
// taken, all of them: the pipe is read to its end before Wait closes it.
func kill(t *testing.T, cmd *exec.Cmd, lines <-chan string) []string {
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	var rest []string
	for l := range lines {
		rest = append(rest, l)
	}
	err := cmd.Wait()
	var exit *exec.ExitError
	require.True(t, errors.As(err, &exit), "the child was killed, it did not finish: %v", err)
	return rest
}

func TestCrashDuringWrites(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" && os.Getenv(crashRoundEnv) != "" {
		round, _ := strconv.Atoi(os.Getenv(crashRoundEnv))
		crashWriter(dir, round)
		return
	}
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	const rounds = 4
	for round := range rounds {
		cmd, lines := startChild(t, "TestCrashDuringWrites", crashDirEnv+"="+e.dir, crashRoundEnv+"="+strconv.Itoa(round))
		select {
		case l, ok := <-lines:
			require.True(t, ok, "the child ended before its first commit")
			require.Equal(t, "committed 0", l)
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the child committed nothing in 30 s")
		}
		time.Sleep(time.Duration(20+rand.IntN(300)) * time.Millisecond)
		reported := 0 // the last write reported committed
		for _, l := range kill(t, cmd, lines) {
			n, err := strconv.Atoi(strings.TrimPrefix(l, "committed "))
			require.NoError(t, err, l)
			require.Equal(t, reported+1, n, "commits are reported in order")
			reported = n
		}
		t.Logf("round %d: %d writes reported before SIGKILL", round, reported+1)
		checkCrashRound(t, ctx, e, round, reported)
	}

	s := e.open(t)
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.LessOrEqual(t, st.Failures, rounds, "at most one try per killed child, none lost")
	require.NoError(t, s.Unlock(ctx, pin))
	for round := range rounds {
		l, err := s.List(ctx, "single-"+strconv.Itoa(round))
		require.NoError(t, err)
		assert.NotEmpty(t, l, "round %d's writes are all still there", round)
	}
}

// checkCrashRound opens the store after a kill: every write reported is
// there with its payload; each Update is whole (its pair and its marker
// agree); the file passes Open's quick_check; the PIN still opens it.
func checkCrashRound(t *testing.T, ctx context.Context, e *env, round, reported int) {
	s := e.open(t)
	defer s.Close()
	require.NoError(t, s.Unlock(ctx, pin), "the store unlocks after the crash")
	r := strconv.Itoa(round)
	single, err := s.List(ctx, "single-"+r)
	require.NoError(t, err)
	pair, err := s.List(ctx, "pair-"+r)
	require.NoError(t, err)
	last, err := s.List(ctx, "last-"+r)
	require.NoError(t, err)

	committed := len(single)
	require.GreaterOrEqual(t, committed, reported+1, "every reported write survived")
	require.LessOrEqual(t, committed, reported+2, "at most the one write in flight besides")
	require.Len(t, pair, committed, "an Update is all or nothing")
	ids := map[string]bool{}
	for _, rec := range single {
		i, err := strconv.Atoi(rec.ID)
		require.NoError(t, err)
		require.Equal(t, crashPayload(round, i), rec.Payload, "write %d", i)
		ids[rec.ID] = true
	}
	for i := range committed {
		require.True(t, ids[strconv.Itoa(i)], "write %d is missing", i)
	}
	require.Len(t, last, 1, "the marker that each Update moves is in exactly one place")
	assert.Equal(t, strconv.Itoa(committed-1), last[0].ID)
}

// crashWriter is the child: it writes until it is killed.
func crashWriter(dir string, round int) {
	ctx := context.Background()
	d, err := OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		panic(err)
	}
	s, err := Open(ctx, filepath.Join(dir, "wallet.db"), d, Options{Params: cheap, BackupParams: cheap})
	if err != nil {
		panic(err)
	}
	if err := s.Unlock(ctx, pin); err != nil {
		panic(err)
	}
	r := strconv.Itoa(round)
	w := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		id := strconv.Itoa(i)
		err := s.Update(ctx, func(tx *Tx) error {
			p := crashPayload(round, i)
			if err := tx.Put(ctx, "single-"+r, id, p); err != nil {
				return err
			}
			if err := tx.Put(ctx, "pair-"+r, id, p); err != nil {
				return err
			}
			if i > 0 {
				if err := tx.Delete(ctx, "last-"+r, strconv.Itoa(i-1)); err != nil {
					return err
				}
			}
			return tx.Put(ctx, "last-"+r, id, nil)
		})
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(w, "crash: committed %d\n", i)
		w.Flush()
	}
}

// TestCrashDuringUnlock: a process killed while Argon2id runs has spent
// its try — killing it does not give free guesses.
func TestCrashDuringUnlock(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" && os.Getenv(crashRoundEnv) == "" {
		crashUnlocker(dir)
		return
	}
	ctx := context.Background()
	e := newEnv(t)
	e.create(t).Close()
	const kills = 3
	for k := range kills {
		cmd, lines := startChild(t, "TestCrashDuringUnlock", crashDirEnv+"="+e.dir)
		select {
		case l := <-lines:
			require.Equal(t, "deriving", l)
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatal("the child never reached Argon2id")
		}
		kill(t, cmd, lines)
		s := e.open(t)
		st, err := s.Attempts(ctx)
		require.NoError(t, err)
		assert.Equal(t, k+1, st.Failures, "the killed try was counted")
		require.NoError(t, s.Close())
	}
	s := e.open(t)
	require.NoError(t, s.Unlock(ctx, pin))
	st, err := s.Attempts(ctx)
	require.NoError(t, err)
	assert.Zero(t, st.Failures)
}

// crashUnlocker is the child: it tries the right PIN and stops dead as
// Argon2id would start, waiting to be killed.
func crashUnlocker(dir string) {
	ctx := context.Background()
	d, err := OpenFileDeviceSecret(filepath.Join(dir, "device.key"))
	if err != nil {
		panic(err)
	}
	s, err := Open(ctx, filepath.Join(dir, "wallet.db"), d, Options{Params: cheap, BackupParams: cheap})
	if err != nil {
		panic(err)
	}
	testHookBeforeKDF = func() {
		fmt.Println("crash: deriving")
		for {
			time.Sleep(time.Hour) // until the parent's SIGKILL
		}
	}
	s.Unlock(ctx, pin)
	panic("unreachable: the hook never returns")
}
