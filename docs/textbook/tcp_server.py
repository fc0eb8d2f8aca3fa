# The lecture's TCP server, as the classic exercise writes it: one client at a time, and each
# recv() taken to be one message. The port comes from the command line. Kept to show what
# netlab does differently: see docs/guide.md, "Textbook vs netlab". Not a model to copy.
import sys
from socket import *

serverPort = int(sys.argv[1]) if len(sys.argv) > 1 else 1060
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(1)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    history = []
    while True:
        message = connectionSocket.recv(1024).decode().strip()
        if not message:
            break
        if message == 'Exit':
            connectionSocket.send('Disconnect\n'.encode())
            break
        if message == 'History':
            reply = 'History: ' + ', '.join(history)
        else:
            history.append(message)
            reply = 'Your data was ' + str(len(message)) + ' bytes'
        connectionSocket.send((reply + '\n').encode())
    connectionSocket.close()
