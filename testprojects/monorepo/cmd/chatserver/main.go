// Command chatserver serves the chat API over HTTP, with Server-Sent Events for room streams.
package main

import (
	"flag"
	"log"
	"net/http"
	"time"

	"example.com/ssegen/monorepo/chat"
	"example.com/ssegen/monorepo/gen/chatv1/chatv1http"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	flag.Parse()

	service := chat.NewService(map[string]string{"general": "General", "random": "Random"}, time.Now)
	mux := http.NewServeMux()
	if err := chatv1http.RegisterChatServiceServer(service, chatv1http.WithMux(mux)); err != nil {
		log.Fatal(err)
	}
	log.Printf("chat API on http://%s/api/chat/v1/", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
