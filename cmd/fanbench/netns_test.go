package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nuid"
)

// The hosts of the cross-host test: a bridge on the machine (nsHostIP)
// and one network namespace per host, each joined to the bridge by its own
// veth pair (addresses 10.231.0.10+i, on these links only).
const nsSubnet = "/24"

// netnsHosts makes n network namespaces joined by veth pairs to a bridge
// and returns the command prefix that runs a program in host i. Everything
// is removed when the test ends, also when it fails; the test is skipped,
// saying why, where namespaces cannot be made.
func netnsHosts(t *testing.T, n int) (prefix func(i int) []string, hostIP func(i int) string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: network namespaces need root (CI runs as root)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skipf("skipping: no ip command (iproute2) to make network namespaces: %v", err)
	}
	tag := strings.ToLower(nuid.Next()[16:20]) // interface names have 15 bytes
	bridge := "fbt" + tag + "br"
	ns := func(i int) string { return fmt.Sprintf("fbt%s-%d", tag, i) }
	hostEnd := func(i int) string { return fmt.Sprintf("fbt%s%dh", tag, i) }
	nsEnd := func(i int) string { return fmt.Sprintf("fbt%s%dn", tag, i) }
	var made []func()
	t.Cleanup(func() {
		for i := len(made) - 1; i >= 0; i-- {
			made[i]()
		}
		// Namespace teardown is asynchronous: wait until nothing of ours is left.
		deadline := time.Now().Add(5 * time.Second)
		for {
			links, _ := exec.Command("ip", "-br", "link").Output()
			spaces, _ := exec.Command("ip", "netns", "list").Output()
			if !strings.Contains(string(links), "fbt"+tag) && !strings.Contains(string(spaces), "fbt"+tag) {
				return
			}
			if time.Now().After(deadline) {
				t.Errorf("left behind after cleanup:\n%s\n%s", links, spaces)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	run := func(undo []string, args ...string) error {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
		if undo != nil {
			made = append(made, func() { _ = exec.Command("ip", undo...).Run() })
		}
		return nil
	}
	steps := [][]string{
		{"link", "add", bridge, "type", "bridge"}, {"addr", "add", nsHostIP + nsSubnet, "dev", bridge}, {"link", "set", bridge, "up"},
	}
	undos := [][]string{{"link", "del", bridge}, nil, nil}
	for i := range n {
		ip := hostIPOf(i)
		steps = append(steps,
			[]string{"netns", "add", ns(i)},
			[]string{"link", "add", hostEnd(i), "type", "veth", "peer", "name", nsEnd(i)},
			[]string{"link", "set", nsEnd(i), "netns", ns(i)},
			[]string{"link", "set", hostEnd(i), "master", bridge},
			[]string{"link", "set", hostEnd(i), "up"},
			[]string{"-n", ns(i), "addr", "add", ip + nsSubnet, "dev", nsEnd(i)},
			[]string{"-n", ns(i), "link", "set", nsEnd(i), "up"},
			[]string{"-n", ns(i), "link", "set", "lo", "up"},
		)
		undos = append(undos, []string{"netns", "del", ns(i)}, []string{"link", "del", hostEnd(i)}, nil, nil, nil, nil, nil, nil)
	}
	for i, s := range steps {
		if err := run(undos[i], s...); err != nil {
			if i == 0 {
				t.Skipf("skipping: cannot make a bridge for network namespaces here: %v", err)
			}
			t.Fatal(err)
		}
	}
	return func(i int) []string { return []string{"ip", "netns", "exec", ns(i)} }, hostIPOf
}

func hostIPOf(i int) string { return fmt.Sprintf("10.231.0.%d", 10+i) }

// startNATS starts a nats-server with JetStream on addr (never the
// machine's 4222) and returns its URL; it stops when the test ends.
func startNATS(t *testing.T, host string) string {
	t.Helper()
	bin, err := exec.LookPath("nats-server")
	if err != nil {
		t.Skipf("skipping: no nats-server to serve the namespaces: %v", err)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	p := startProc(t, "nats-server", nil, bin, "-a", host, "-p", fmt.Sprint(port), "-js", "-sd", filepath.Join(t.TempDir(), "js"))
	url := fmt.Sprintf("nats://%s:%d", host, port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, fmt.Sprint(port)), time.Second)
		if err == nil {
			c.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Fatalf("nats-server at %s not up: %v\n%s", url, err, p.stderr())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The serve host and each worker in its own network namespace, the
// coordinator on the machine: the traffic crosses veth interfaces, and the
// merged figures meet the single-process bounds all the same.
func TestDistributedAcrossNamespaces(t *testing.T) {
	prefix, hostIP := netnsHosts(t, 4)
	url := startNATS(t, nsHostIP)
	bin := buildFanbench(t)
	c := startClusterAt(t, bin, url, 3, []string{"--listen", hostIP(0) + ":0"}, prefix)
	sc := writeFile(t, "dist.yaml", fmt.Sprintf(distScenario, "4s", "sequential, errgroup"))
	out := filepath.Join(t.TempDir(), "out")
	coord := startProc(t, "coordinator", nil, bin, "run", "--workers", "3", "--nats-url", url, "--pool", c.pool,
		"--serve", "sut", "--scenario", sc, "--out", out, "--quiet",
		"--allow-saturated") // a busy shared machine may saturate a worker's harness: the merges are what is tested
	if code := coord.exit(t, 90*time.Second); code != exitOK {
		t.Fatalf("coordinator exit %d; want 0\n%s", code, coord.stderr())
	}
	if !strings.Contains(c.serve.stderr(), "http://"+hostIP(0)+":") {
		t.Errorf("the serve host's fronts are not on its namespace's address %s:\n%s", hostIP(0), c.serve.stderr())
	}
	checkMerged(t, out, 600, singleProcessBounds)
}
