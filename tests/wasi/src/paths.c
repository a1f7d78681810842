/* The errno of every preview1 path function on the awkward paths: a trailing slash on a
 * file, a directory, a dangling symbolic link, a link to a file or directory, a missing
 * name.  The raw WASI calls are made (wasi-libc would check some paths itself), beneath
 * the preopened directory argv[1], which starts empty and is laid out anew before each
 * call:  f (file "data"), d/ (empty directory), e/ (directory holding x), fl -> f,
 * dl -> d, nl -> nowhere (dangling).  Each line is one call and what it returned. */
#include <stdlib.h>
#include <wasi/api.h>
#include "wasi_test.h"

static __wasi_fd_t root;

static const char *ERRNO[] = {
    [0] = "ok", [__WASI_ERRNO_ACCES] = "EACCES", [__WASI_ERRNO_BADF] = "EBADF",
    [__WASI_ERRNO_BUSY] = "EBUSY", [__WASI_ERRNO_EXIST] = "EEXIST",
    [__WASI_ERRNO_INVAL] = "EINVAL", [__WASI_ERRNO_ISDIR] = "EISDIR",
    [__WASI_ERRNO_LOOP] = "ELOOP", [__WASI_ERRNO_NOENT] = "ENOENT",
    [__WASI_ERRNO_NOTDIR] = "ENOTDIR", [__WASI_ERRNO_NOTEMPTY] = "ENOTEMPTY",
    [__WASI_ERRNO_NOTCAPABLE] = "ENOTCAPABLE", [__WASI_ERRNO_PERM] = "EPERM",
    [__WASI_ERRNO_XDEV] = "EXDEV", [__WASI_ERRNO_NAMETOOLONG] = "ENAMETOOLONG",
};

static void show(const char *call, const char *a, const char *b, __wasi_errno_t e) {
    const char *name = e < sizeof ERRNO / sizeof ERRNO[0] && ERRNO[e] ? ERRNO[e] : "?";
    if (b)
        printf("%s(\"%s\", \"%s\") -> %s", call, a, b, name);
    else
        printf("%s(\"%s\") -> %s", call, a, name);
    if (e && name[0] == '?') printf(" (%d)", e);
    printf("\n");
}

/* remove every name the calls below may have made beneath root (directories hold at
 * most one level of these names) */
static void clear(void) {
    static const char *names[] = {"f", "d", "e", "fl", "dl", "nl", "n", "x", "missing",
                                  "nowhere"};
    const size_t count = sizeof names / sizeof names[0];
    char path[64];
    for (size_t i = 0; i < count; i++) {
        for (size_t j = 0; j < count; j++) {
            snprintf(path, sizeof path, "%s/%s", names[i], names[j]);
            __wasi_path_unlink_file(root, path);
            __wasi_path_remove_directory(root, path);
        }
        __wasi_path_unlink_file(root, names[i]);
        __wasi_path_remove_directory(root, names[i]);
    }
}

static void layout(void) {
    __wasi_fd_t fd;
    size_t n;
    clear();
    __wasi_path_open(root, 0, "f", __WASI_OFLAGS_CREAT, __WASI_RIGHTS_FD_WRITE, 0, 0, &fd);
    __wasi_ciovec_t iov = {(const uint8_t *)"data", 4};
    __wasi_fd_write(fd, &iov, 1, &n);
    __wasi_fd_close(fd);
    __wasi_path_create_directory(root, "d");
    __wasi_path_create_directory(root, "e");
    __wasi_path_open(root, 0, "e/x", __WASI_OFLAGS_CREAT, 0, 0, 0, &fd);
    __wasi_fd_close(fd);
    __wasi_path_symlink("f", root, "fl");
    __wasi_path_symlink("d", root, "dl");
    __wasi_path_symlink("nowhere", root, "nl");
}

static const char *PATHS[] = {"f", "f/", "d", "d/", "e", "fl", "fl/", "dl", "dl/", "nl",
                              "nl/", "missing", "missing/", "f/x", "d/../f/"};
#define NPATHS (sizeof PATHS / sizeof PATHS[0])

#define RIGHTS_RW (__WASI_RIGHTS_FD_READ | __WASI_RIGHTS_FD_WRITE)

static void open_case(const char *p, __wasi_lookupflags_t look, __wasi_oflags_t of,
                      __wasi_rights_t rights, const char *label) {
    __wasi_fd_t fd;
    layout();
    __wasi_errno_t e = __wasi_path_open(root, look, p, of, rights, rights, 0, &fd);
    printf("[%s] ", label);
    show("path_open", p, NULL, e);
    if (!e) __wasi_fd_close(fd);
}

int main(int argc, char **argv) {
    const char *want = argc > 1 ? argv[1] : "/sandbox";
    __wasi_prestat_t pre;
    char name[256];
    for (root = 3; __wasi_fd_prestat_get(root, &pre) == 0; root++) {
        size_t len = pre.u.dir.pr_name_len;
        if (len < sizeof name && __wasi_fd_prestat_dir_name(root, (uint8_t *)name, len) == 0) {
            name[len] = 0;
            if (strcmp(name, want) == 0) break;
        }
    }
    __wasi_filestat_t st;
    char buf[64];
    size_t used;
    const __wasi_lookupflags_t FOLLOW = __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW;

    for (size_t i = 0; i < NPATHS; i++) {
        const char *p = PATHS[i];
        layout();
        show("path_filestat_get", p, NULL, __wasi_path_filestat_get(root, 0, p, &st));
        show("path_filestat_get/follow", p, NULL,
             __wasi_path_filestat_get(root, FOLLOW, p, &st));
        show("path_filestat_set_times", p, NULL, __wasi_path_filestat_set_times(
             root, 0, p, 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
        show("path_filestat_set_times/follow", p, NULL, __wasi_path_filestat_set_times(
             root, FOLLOW, p, 0, 0, __WASI_FSTFLAGS_ATIM_NOW | __WASI_FSTFLAGS_MTIM_NOW));
        layout();
        show("path_readlink", p, NULL,
             __wasi_path_readlink(root, p, (uint8_t *)buf, sizeof buf, &used));
        layout();
        show("path_create_directory", p, NULL, __wasi_path_create_directory(root, p));
        layout();
        show("path_remove_directory", p, NULL, __wasi_path_remove_directory(root, p));
        layout();
        show("path_unlink_file", p, NULL, __wasi_path_unlink_file(root, p));
        layout();
        show("path_symlink", "f", p, __wasi_path_symlink("f", root, p));
        /* link and rename: p as the source onto a new name, and as the target */
        layout();
        show("path_link", p, "n", __wasi_path_link(root, 0, p, root, "n"));
        layout();
        show("path_link/follow", p, "n", __wasi_path_link(root, FOLLOW, p, root, "n"));
        layout();
        show("path_link", "f", p, __wasi_path_link(root, 0, "f", root, p));
        layout();
        show("path_rename", p, "n", __wasi_path_rename(root, p, root, "n"));
        layout();
        show("path_rename", p, "n/", __wasi_path_rename(root, p, root, "n/"));
        layout();
        show("path_rename", "f", p, __wasi_path_rename(root, "f", root, p));
        layout();
        show("path_rename", "d", p, __wasi_path_rename(root, "d", root, p));
        layout();
        show("path_rename", "d/", p, __wasi_path_rename(root, "d/", root, p));
        /* path_open: read-only, read+write, O_DIRECTORY with each, creation */
        open_case(p, 0, 0, __WASI_RIGHTS_FD_READ, "read");
        open_case(p, FOLLOW, 0, __WASI_RIGHTS_FD_READ, "read/follow");
        open_case(p, FOLLOW, 0, RIGHTS_RW, "rw/follow");
        open_case(p, 0, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "dir");
        open_case(p, FOLLOW, __WASI_OFLAGS_DIRECTORY, __WASI_RIGHTS_FD_READDIR, "dir/follow");
        open_case(p, FOLLOW, __WASI_OFLAGS_DIRECTORY, RIGHTS_RW, "dir rw/follow");
        open_case(p, FOLLOW, __WASI_OFLAGS_CREAT, RIGHTS_RW, "creat/follow");
        open_case(p, 0, __WASI_OFLAGS_CREAT | __WASI_OFLAGS_EXCL, RIGHTS_RW, "creat excl");
        open_case(p, FOLLOW, __WASI_OFLAGS_TRUNC, RIGHTS_RW, "trunc/follow");
    }
    /* the cases named by the issue, on their own */
    layout();
    show("path_link", "f", "n/", __wasi_path_link(root, 0, "f", root, "n/"));
    open_case("d", 0, __WASI_OFLAGS_DIRECTORY, RIGHTS_RW, "dir rw");
    clear();
    return 0;
}
