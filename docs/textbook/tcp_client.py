# The lecture's TCP client, as the classic exercise writes it: one send(), then one recv()
# taken to be the whole reply. The server's host and port come from the command line. Kept to
# show what netlab does differently: see docs/guide.md, "Textbook vs netlab". Not a model to copy.
import sys
from socket import *

serverName = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
serverPort = int(sys.argv[2]) if len(sys.argv) > 2 else 1060
clientSocket = socket(AF_INET, SOCK_STREAM)
clientSocket.connect((serverName, serverPort))
while True:
    sentence = input('Enter message to send or type Exit to disconnect: ')
    clientSocket.send((sentence + '\n').encode())
    reply = clientSocket.recv(1024).decode()
    print('Received Message from Server:', reply.strip())
    if sentence == 'Exit':
        break
clientSocket.close()
