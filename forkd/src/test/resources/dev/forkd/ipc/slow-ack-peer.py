# A hand-written channel peer on fd 3: receives a NODE_HANDLE, checks that nothing else arrives during the
# second it waits before its ACK, then reads the next message and reports.
import json, os, socket, sys, time, array
s = socket.socket(fileno=3)
buf = b''
fds = []
def read_line():
    global buf
    while b'\n' not in buf:
        msg, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.extend(array.array('i', data[:len(data) - len(data) % 4]))
        if not msg:
            return None
        buf += msg
    line, buf = buf.split(b'\n', 1)
    return json.loads(line)
first = read_line()
s.setblocking(False)
time.sleep(1.0)
early = b''
try:
    early = s.recv(65536)
except BlockingIOError:
    pass
buf += early
s.setblocking(True)
s.sendall(b'{"cmd":"NODE_HANDLE_ACK"}\n')
second = read_line()
s.sendall((json.dumps({"first": first["cmd"], "fds": len(fds), "early": len(early), "second": second}) + "\n").encode())
time.sleep(0.5)
