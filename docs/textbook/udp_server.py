# The lecture's UDP server, as the textbook writes it (Kurose & Ross, UDPServer.py), with the
# port taken from the command line. Kept to show what netlab does differently: see
# docs/guide.md, "Textbook vs netlab". Not a model to copy.
import sys
from socket import *

serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 12000
serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', serverPort))
print('The server is ready to receive', flush=True)
while True:
    message, clientAddress = serverSocket.recvfrom(2048)
    modifiedMessage = message.decode().upper()
    serverSocket.sendto(modifiedMessage.encode(), clientAddress)
