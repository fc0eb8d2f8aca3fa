# The UDP pinger as the textbook's next assignment has students write it (Kurose & Ross,
# "UDP Pinger"): ten pings, one second each to wait, the round trip of whatever comes back.
# Host, port and count come from the command line. Kept to show what netlab does
# differently: see docs/guide.md, "Textbook vs netlab". Not a model to copy.
import sys
import time
from socket import *

serverName = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
serverPort = int(sys.argv[2]) if len(sys.argv) > 2 else 12000
count = int(sys.argv[3]) if len(sys.argv) > 3 else 10
clientSocket = socket(AF_INET, SOCK_DGRAM)
clientSocket.settimeout(1)
for sequence_number in range(1, count + 1):
    sendTime = time.time()
    message = 'Ping %d %s' % (sequence_number, time.ctime(sendTime))
    clientSocket.sendto(message.encode(), (serverName, serverPort))
    try:
        reply, serverAddress = clientSocket.recvfrom(1024)
        rtt = time.time() - sendTime
        print('Ping %d: reply %s, RTT %.3f s' % (sequence_number, reply.decode(), rtt))
    except timeout:
        print('Ping %d: Request timed out' % sequence_number)
clientSocket.close()
