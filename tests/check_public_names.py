#!/usr/bin/python3
"""No public leakcheck name collides with a libc, POSIX or C++ library macro.

usage: check_public_names.py CC CXX INCLUDE_DIR

1. Every identifier in the public headers (comments and strings removed) is
   looked up among the macros that glibc's C and POSIX headers (all that
   exist, with _GNU_SOURCE) and the whole C++ standard library define; a hit
   is a collision like LC_ALL was (<locale.h>).
2. The names the headers themselves declare (macros, enumerators, types,
   functions) must stay out of the namespaces C and POSIX reserve for future
   library macros and types: LC_[A-Z], E[0-9A-Z], SIG[A-Z_], PRI/SCN,
   *_t, str/mem/is/to/wcs + lowercase, _[A-Z_].
3. Both orders compile in C: a unit with every system header before
   <leakcheck/leakcheck.h>, and one with them after."""
import os
import re
import subprocess
import sys
import tempfile

POSIX_HEADERS = """aio.h arpa/inet.h assert.h complex.h cpio.h ctype.h dirent.h dlfcn.h errno.h
fcntl.h fenv.h float.h fmtmsg.h fnmatch.h ftw.h glob.h grp.h iconv.h inttypes.h iso646.h
langinfo.h libgen.h limits.h locale.h math.h monetary.h mqueue.h net/if.h netdb.h
netinet/in.h netinet/tcp.h nl_types.h poll.h pthread.h pwd.h regex.h sched.h search.h
semaphore.h setjmp.h signal.h spawn.h stdarg.h stdbool.h stddef.h stdint.h stdio.h
stdlib.h string.h strings.h sys/ipc.h sys/mman.h sys/msg.h sys/resource.h sys/select.h
sys/sem.h sys/shm.h sys/socket.h sys/stat.h sys/statvfs.h sys/time.h sys/times.h
sys/types.h sys/uio.h sys/un.h sys/utsname.h sys/wait.h syslog.h tar.h termios.h tgmath.h
time.h unistd.h utmpx.h wchar.h wctype.h wordexp.h malloc.h link.h execinfo.h elf.h
err.h error.h getopt.h sys/sysmacros.h sys/syscall.h sys/epoll.h sys/eventfd.h
sys/prctl.h sys/ptrace.h sys/user.h ucontext.h threads.h stdatomic.h uchar.h""".split()

KEYWORDS = set("""auto break case char const continue default do double else enum extern
float for goto if inline int long register restrict return short signed sizeof static
struct switch typedef union unsigned void volatile while _Bool bool true false nullptr
namespace class public private template typename define ifdef ifndef endif undef include
elif defined""".split())

RESERVED = [
    (r"LC_[A-Z]", "<locale.h> macros"),
    (r"E[0-9A-Z]", "<errno.h> macros"),
    (r"SIG[A-Z_]", "<signal.h> macros"),
    (r"(PRI|SCN)[a-zX]", "<inttypes.h> macros"),
    (r".*_t$", "POSIX types (*_t)"),
    (r"(str|mem|is|to|wcs)[a-z]", "<string.h>/<ctype.h> functions"),
    (r"_[A-Z_]", "the implementation"),
]


def strip(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def system_unit(headers):
    return "".join(f"#if __has_include(<{h}>)\n#include <{h}>\n#endif\n" for h in headers)


def macros(compiler, lang_flags, source, tmp, name):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(source)
    out = subprocess.run([compiler, *lang_flags, "-D_GNU_SOURCE", "-dM", "-E", path],
                         capture_output=True, text=True, check=True).stdout
    return {m.group(1) for m in re.finditer(r"^#define (\w+)", out, re.M)}


def declared(text):
    """Names the headers define: macros, enumerators, typedefs, tags, functions."""
    names = set(re.findall(r"#\s*define\s+(\w+)", text))
    names |= set(re.findall(r"\b(?:struct|enum|union)\s+(\w+)", text))
    names |= set(re.findall(r"}\s*(\w+)\s*;", text))                    # typedef ... } name;
    names |= set(re.findall(r"\b(\w+)\s*\(", text)) & set(re.findall(r"\blc_\w+", text))
    for body in re.findall(r"\benum\s+\w*\s*{(.*?)}", text, re.S):
        names |= set(re.findall(r"^\s*(\w+)\s*(?:=|,|$)", body, re.M))
    return {n for n in names if n not in KEYWORDS}


def main():
    cc, cxx, incdir = sys.argv[1:4]
    hdir = os.path.join(incdir, "leakcheck")
    text = "".join(re.sub(r"^\s*#\s*include[^\n]*", "", strip(open(os.path.join(hdir, h)).read()),
                          flags=re.M)
                   for h in sorted(os.listdir(hdir)) if h.endswith(".h"))
    ours = {t for t in re.findall(r"\b[A-Za-z_]\w*\b", text)
            if t not in KEYWORDS and not t.startswith("__")}
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        sys_c = macros(cc, ["-std=gnu11", "-x", "c"], system_unit(POSIX_HEADERS), tmp, "c.c")
        sys_cxx = macros(cxx, ["-std=gnu++20", "-x", "c++"],
                         system_unit(POSIX_HEADERS) + "#include <bits/stdc++.h>\n", tmp, "x.cpp")
        # cmocka's own macros are used on purpose (fail is replaced in C++)
        for name in sorted(ours & (sys_c | sys_cxx)):
            failures.append(f"{name}: also a macro of the C/POSIX/C++ library headers")
        for name in sorted(declared(text)):
            for pattern, owner in RESERVED:
                if re.match(pattern, name) and not name.startswith("LEAKCHECK_"):
                    failures.append(f"{name}: in the namespace reserved for {owner}")
        for order, src in (("after", system_unit(POSIX_HEADERS) + "#include <leakcheck/leakcheck.h>\n"),
                           ("before", "#include <leakcheck/leakcheck.h>\n" + system_unit(POSIX_HEADERS))):
            path = os.path.join(tmp, f"order_{order}.c")
            with open(path, "w") as f:
                f.write(src + "int main(void) { return setlocale(LC_ALL, 0) == 0; }\n")
            proc = subprocess.run([cc, "-std=gnu11", "-D_GNU_SOURCE", "-Wall", "-Werror",
                                   "-I", incdir, "-fsyntax-only", path],
                                  capture_output=True, text=True)
            if proc.returncode:
                failures.append(f"leakcheck.h {order} every system header does not compile "
                                f"in C: {proc.stderr.strip().splitlines()[:3]}")
    for f in failures:
        print("FAIL", f)
    print(f"{len(ours)} public identifiers checked against {len(sys_c | sys_cxx)} library "
          f"macros; {len(failures)} problems")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
