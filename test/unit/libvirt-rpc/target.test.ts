import { describe, expect, it } from "vitest";
import { remoteCommand, sshArguments } from "../../../reconcile/providers/libvirt/rpc/ssh-transport.js";
import { parseTarget, type SshTarget } from "../../../reconcile/providers/libvirt/rpc/target.js";

describe("libvirt URI targets", () => {
  it("reaches the system daemon's socket for qemu:///system and qemu+unix:///system", () => {
    for (const uri of ["qemu:///system", "qemu+unix:///system", "qemu:///system?mode=legacy"]) {
      expect(parseTarget(uri)).toEqual({ kind: "unix", driverUri: "qemu:///system", socketPath: "/var/run/libvirt/libvirt-sock" });
    }
    expect(parseTarget("qemu:///system?mode=direct")).toMatchObject({ socketPath: "/var/run/libvirt/virtqemud-sock" });
  });

  it("reaches the user's own session socket for qemu:///session", () => {
    expect(parseTarget("qemu:///session", { XDG_RUNTIME_DIR: "/run/user/1000", HOME: "/home/a" })).toMatchObject({
      driverUri: "qemu:///session",
      socketPath: "/run/user/1000/libvirt/libvirt-sock",
    });
    expect(parseTarget("qemu:///session", { HOME: "/home/a" })).toMatchObject({ socketPath: "/home/a/.cache/libvirt/libvirt-sock" });
  });

  it("reads user, host, port and the ssh parameters of qemu+ssh://", () => {
    expect(
      parseTarget("qemu+ssh://ops@kvm1.example.org:2222/system?keyfile=/root/.ssh/id_frost&no_verify=1&no_tty=1&proxy=netcat"),
    ).toEqual({
      kind: "ssh",
      driverUri: "qemu:///system",
      host: "kvm1.example.org",
      user: "ops",
      port: 2222,
      keyfile: "/root/.ssh/id_frost",
      noVerify: true,
      noTty: true,
      proxy: "netcat",
      remoteSocket: "/var/run/libvirt/libvirt-sock",
    });
    expect(parseTarget("qemu+ssh://[::1]/system")).toMatchObject({ host: "::1", proxy: "auto", noVerify: false });
    // A remote session socket is known only over there: virt-ssh-helper, never nc on a guessed path.
    expect(parseTarget("qemu+ssh://h/session")).toMatchObject({ driverUri: "qemu:///session", proxy: "native" });
  });

  it.each([
    ["qemu+ext:///system?command=/bin/sh", /transport ext: it runs the program/],
    ["qemu+tcp://h/system", /transport tcp: it is unencrypted/],
    ["qemu+tls://h/system", /transport tls: frost does not speak TLS/],
    ["qemu+libssh2://h/system", /prompts on a terminal/],
    ["qemu+ssh://h/system?command=/bin/sh", /parameter command is not accepted/],
    ["qemu+ssh://h/system?netcat=/bin/nc", /parameter netcat is not accepted/],
    ["qemu:///system?socket=/tmp/s", /parameter socket is not accepted/],
    ["qemu+ssh://-oProxyCommand=x/system", /is not a host name/],
    ["qemu+ssh://-x@h/system", /user -x is not a user name/],
    ["qemu+ssh://h/system?keyfile=id_rsa", /keyfile= must be an absolute path/],
    ["qemu+ssh://h/session?proxy=netcat", /virt-ssh-helper only/],
    ["qemu://h/system", /a local URI names no host/],
    ["xen:///system", /QEMU driver only/],
    ["qemu:///embed", /must be \/system or \/session/],
    ["qemu+ssh://h/system?no_verify=yes", /no_verify=yes: expected 0 or 1/],
  ])("refuses %s", (uri, why) => {
    expect(() => parseTarget(uri)).toThrow(why);
  });

  it("runs ssh as libvirt does: argument array, no terminal, then the host and libvirt's remote script", () => {
    const target = parseTarget("qemu+ssh://ops@kvm1:2222/system?keyfile=/k&no_tty=1") as SshTarget;
    expect(sshArguments(target, 10_000)).toEqual([
      "-p",
      "2222",
      "-l",
      "ops",
      "-i",
      "/k",
      "-T",
      "-e",
      "none",
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=10",
      "--",
      "kvm1",
      remoteCommand(target),
    ]);
    expect(remoteCommand(target)).toBe(
      `sh -c 'which virt-ssh-helper 1>/dev/null 2>&1; if test $? = 0; then virt-ssh-helper '\\''qemu:///system'\\''; ` +
        `else if '\\''nc'\\'' -q 2>&1 | grep "requires an argument" >/dev/null 2>&1; then ARG=-q0; else ARG=; fi; '\\''nc'\\'' $ARG -U /var/run/libvirt/libvirt-sock; fi'`,
    );
    expect(remoteCommand({ ...target, proxy: "native" })).toBe(`sh -c 'virt-ssh-helper '\\''qemu:///system'\\'''`);
  });
});
