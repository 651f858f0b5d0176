import { describe, expect, test } from "vitest";
import { expectDiag, expectValid, loadYaml } from "./helpers.js";

/** A one-host configuration whose URI is `uri`, double-quoted (its value starts at line 2, column 8). */
const withUri = (uri: string) => `host:\n  uri: ${JSON.stringify(uri)}\n`;

describe("libvirt URIs frost refuses", () => {
  // Each form would have libvirt run a program, open another daemon, or pass an option to ssh;
  // each is refused at the value's position, saying why and what to write instead.
  test.each([
    // Transports that run a program, or that frost does not drive.
    ["qemu+ext:///system?command=/tmp/x.sh", "ext transport", "qemu:///system"],
    ["qemu+EXT:///system?command=/tmp/x.sh", "ext transport", "qemu:///system"],
    ["qemu+tcp://kvm1/system", "tcp transport", "unencrypted"],
    ["qemu+libssh://kvm1/system", "libssh transport", "qemu+ssh://"],
    ["qemu+libssh2://kvm1/system?known_hosts_verify=ignore", "libssh2 transport", "qemu+ssh://"],
    ["qemu+ssh+ext://kvm1/system", 'transport "ssh+ext"', "unix, ssh or tls"],
    // Parameters that choose a program, a socket or another URI; unknown and disguised keys.
    ["qemu+ssh://kvm1/system?command=/tmp/x.sh", "command=", "a program"],
    ["qemu+ssh://kvm1/system?COMMAND=/tmp/x.sh", "COMMAND=", "a program"],
    ["qemu+ssh://kvm1/system?netcat=/tmp/x.sh", "netcat=", "remote host"],
    ["qemu+ssh://kvm1/system?socket=/tmp/evil.sock", "socket=", "another socket"],
    ["qemu+unix:///system?socket=/tmp/evil.sock", "socket=", "for the unix transport: mode"],
    ["qemu+ssh://kvm1/system?name=qemu:///session", "name=", "changes the URI"],
    ["qemu+ssh://kvm1/system?known_hosts=/root/.ssh/known_hosts", "known_hosts=", "UserKnownHostsFile"],
    ["qemu+ssh://kvm1/system?frobnicate=1", '"frobnicate"', "mode, proxy, keyfile, no_verify, no_tty"],
    ["qemu+ssh://kvm1/system?no_tty=1;command=/tmp/x.sh", "command=", "a program"],
    ["qemu+ssh://kvm1/system?%63ommand=/tmp/x.sh", "percent-escape"],
    ["qemu+ssh://kvm1/system?keyfile=/a&keyfile=/b", "keyfile= twice"],
    ["qemu+ssh://kvm1/system?no_tty", "no_tty=", "0 or 1"],
    ["qemu+ssh://kvm1/system?", "empty parameter"],
    ["qemu:///system?pkipath=/etc/pki", '"pkipath"', "a local URI: mode"],
    // Parameter values outside their shapes.
    ["qemu+ssh://kvm1/system?keyfile=id_ed25519", "keyfile=id_ed25519", "absolute path"],
    ["qemu+ssh://kvm1/system?keyfile=-oProxyCommand=/tmp/x.sh", "keyfile=-oProxyCommand", "absolute path"],
    ["qemu+ssh://kvm1/system?keyfile=/root/-oProxyCommand=x", "keyfile=/root/-oProxyCommand=x", "no component starting with '-'"],
    ["qemu+ssh://kvm1/system?no_verify=yes", "no_verify=yes", "0 or 1"],
    ["qemu+ssh://kvm1/system?mode=/tmp/x.sh", "mode=/tmp/x.sh", "auto, direct, legacy"],
    ["qemu+ssh://kvm1/system?proxy=/tmp/x.sh", "proxy=/tmp/x.sh", "auto, netcat, native"],
    // The authority: option-like, escaped, doubled or malformed parts.
    ["qemu+ssh://-oProxyCommand=x/system", "starts with '-'", "read it as an option"],
    ["qemu+ssh://-oProxyCommand=x@kvm1/system", 'user "-oProxyCommand=x"', "read it as an option"],
    ["qemu+ssh://%2DoProxyCommand=x/system", "percent-escape"],
    ["qemu+ssh://root@evil@kvm1/system", "more than one '@'"],
    ["qemu+ssh://root:secret@kvm1/system", "password"],
    ["qemu+ssh://kvm1\u0001/system", "control character U+0001"],
    ["qemu+ssh://kvm1\u2028/system", "control character U+2028"],
    ["qemu+ssh://kvm1;reboot/system", "not a DNS name"],
    ["qemu+ssh://[zz::1]/system", "not an IPv6 address"],
    ["qemu+ssh://kvm1:0/system", 'port "0"', "1 to 65535"],
    ["qemu+ssh://kvm1:ssh/system", 'port "ssh"'],
    ["qemu+ssh:///system", "has no host"],
    ["qemu+unix://kvm1/system", "takes no host"],
    // Driver and path.
    ["xen+ssh://kvm1/system", 'driver "xen"', "QEMU/KVM"],
    ["test:///default", 'driver "test"'],
    ["qemu:///default", 'path "/default"', "/system"],
    ["qemu+ssh://kvm1/system/../session", 'path "/system/../session"'],
    ["qemu+ssh://kvm1/system#x", "fragment"],
  ])("%s", async (uri, ...texts) => {
    const d = expectDiag(await loadYaml(withUri(uri)), "config.value", 2, 8, ...texts);
    expect(d.severity).toBe("error");
    // The message shows the URI escaped, so that it stays one line on a terminal.
    expect(d.summary).not.toMatch(/[\u0000-\u001f\u2028]/);
  });

  // The same check holds for the libvirt URIs of an OpenStack host's compute hosts.
  test("a compute host's URI", async () => {
    const r = await loadYaml(
      "hosts:\n  cloud:\n    kind: openstack\n    compute:\n      cmp1: qemu+ssh://cmp1/system\n      cmp2: qemu+ssh://cmp2/system?netcat=/tmp/x.sh\n",
    );
    expectDiag(r, "config.value", 6, 13, '"qemu+ssh://cmp2/system?netcat=/tmp/x.sh" has the parameter netcat=');
    expect(r.diagnostics.filter((d) => d.severity === "error")).toHaveLength(1);
  });
});

describe("libvirt URIs frost accepts", () => {
  // This host, remote hosts over ssh (user, port, key, IPv6) and TLS, and libvirt's fixed-value parameters.
  test.each([
    "qemu:///system",
    "qemu:///session",
    "qemu+unix:///system?mode=legacy",
    "qemu+ssh://root@host/system",
    "qemu+ssh://host:2222/system?keyfile=/root/.ssh/id_ed25519",
    "qemu+ssh://[::1]/system",
    "qemu+ssh://frost@192.0.2.10:22/session",
    "qemu+ssh://kvm1.example.net/system?no_tty=1&no_verify=0&mode=direct&proxy=native",
    "qemu+tls://kvm1.example.net:16514/system?pkipath=/etc/pki/libvirt/",
    "qemu://kvm1.example.net/system",
  ])("%s", async (uri) => {
    expect(expectValid(await loadYaml(withUri(uri))).hosts["default"]?.uri).toBe(uri);
  });
});
