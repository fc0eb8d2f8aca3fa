# The lecture's UDP client, as the textbook writes it (Kurose & Ross, UDPClient.py), with the
# server's host and port taken from the command line. Kept to show what netlab does
# differently: see docs/guide.md, "Textbook vs netlab". Not a model to copy.
import sys
from socket import *

serverName = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
serverPort = int(sys.argv[2]) if len(sys.argv) > 2 else 12000
clientSocket = socket(AF_INET, SOCK_DGRAM)
message = input('Input lowercase sentence:')
clientSocket.sendto(message.encode(), (serverName, serverPort))
modifiedMessage, serverAddress = clientSocket.recvfrom(2048)
print(modifiedMessage.decode())
clientSocket.close()
