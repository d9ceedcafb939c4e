// kvd: a small line-protocol key-value server, one thread per connection.
// Written for UKL's tests (tests/cases/servers.sh): C++17, std::thread,
// std::shared_mutex, exceptions and a C library, built with CMake.
//
//   kvd PORT
//
// Requests, one per line; each gets one line back:
//   PUT KEY VALUE   -> OK              (VALUE is the rest of the line)
//   GET KEY         -> VALUE V | MISSING
//   DEL KEY         -> DELETED | MISSING
//   HASH KEY        -> HASH <FNV-1a of the value, 16 hex digits> | MISSING
//   STATS           -> STATS keys=N connections=N version=V
//   SHUTDOWN        -> BYE, and the server exits with status 0
//   anything else   -> ERROR <why>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "kvd_hash.h"
#include "kvd_version.h"

namespace {

// A request the server cannot carry out; its text goes back as ERROR.
struct bad_request : std::invalid_argument {
	using std::invalid_argument::invalid_argument;
};

class store {
public:
	void put(const std::string &k, const std::string &v)
	{
		std::unique_lock lock(mu_);
		map_[k] = v;
	}
	bool get(const std::string &k, std::string &v) const
	{
		std::shared_lock lock(mu_);
		auto it = map_.find(k);
		if (it == map_.end())
			return false;
		v = it->second;
		return true;
	}
	bool del(const std::string &k)
	{
		std::unique_lock lock(mu_);
		return map_.erase(k) > 0;
	}
	size_t size() const
	{
		std::shared_lock lock(mu_);
		return map_.size();
	}

private:
	mutable std::shared_mutex mu_;
	std::unordered_map<std::string, std::string> map_;
};

// Never destroyed: connection threads are detached and may still run
// while main returns.
store &the_store()
{
	static store *s = new store;
	return *s;
}

std::atomic<int> connections{0};
std::atomic<bool> stopping{false};
int listen_fd = -1;

// split_word LINE POS : the next space-separated word of LINE from POS.
std::string split_word(const std::string &line, size_t &pos)
{
	size_t end = line.find(' ', pos);
	std::string w = line.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
	pos = end == std::string::npos ? line.size() : end + 1;
	return w;
}

std::string need_key(const std::string &line, size_t &pos, const std::string &cmd)
{
	std::string key = split_word(line, pos);
	if (key.empty())
		throw bad_request(cmd + " needs a key");
	return key;
}

// handle LINE : the reply to one request, without its newline.
std::string handle(const std::string &line)
{
	size_t pos = 0;
	std::string cmd = split_word(line, pos);
	std::string v;
	if (cmd == "PUT") {
		std::string key = need_key(line, pos, cmd);
		the_store().put(key, line.substr(pos));
		return "OK";
	}
	if (cmd == "GET") {
		std::string key = need_key(line, pos, cmd);
		return the_store().get(key, v) ? "VALUE " + v : "MISSING";
	}
	if (cmd == "DEL")
		return the_store().del(need_key(line, pos, cmd)) ? "DELETED" : "MISSING";
	if (cmd == "HASH") {
		std::string key = need_key(line, pos, cmd);
		if (!the_store().get(key, v))
			return "MISSING";
		char hex[17];
		snprintf(hex, sizeof hex, "%016" PRIx64, kvd_hash(v.data(), v.size()));
		return std::string("HASH ") + hex;
	}
	if (cmd == "STATS")
		return "STATS keys=" + std::to_string(the_store().size()) +
			" connections=" + std::to_string(connections.load()) +
			" version=" KVD_VERSION;
	if (cmd == "SHUTDOWN") {
		stopping = true;
		return "BYE";
	}
	throw bad_request("unknown command '" + cmd + "'");
}

void send_all(int fd, const std::string &s)
{
	size_t off = 0;
	while (off < s.size()) {
		ssize_t n = write(fd, s.data() + off, s.size() - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			throw std::system_error(errno, std::generic_category(), "write");
		off += n;
	}
}

void serve(int fd)
{
	connections++;
	std::string buf;
	char chunk[4096];
	try {
		for (;;) {
			ssize_t n = read(fd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			buf.append(chunk, n);
			size_t nl;
			while ((nl = buf.find('\n')) != std::string::npos) {
				std::string line = buf.substr(0, nl);
				buf.erase(0, nl + 1);
				if (!line.empty() && line.back() == '\r')
					line.pop_back();
				std::string reply;
				try {
					reply = handle(line);
				} catch (const bad_request &e) {
					reply = std::string("ERROR ") + e.what();
				}
				send_all(fd, reply + "\n");
				if (stopping) {
					// Wake the accept loop, which then ends the program.
					shutdown(listen_fd, SHUT_RDWR);
					break;
				}
			}
			if (buf.size() > 65536) {
				send_all(fd, "ERROR line too long\n");
				break;
			}
		}
	} catch (const std::system_error &e) {
		std::cerr << "kvd: connection: " << e.what() << std::endl;
	}
	close(fd);
	connections--;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::cerr << "usage: kvd PORT" << std::endl;
		return 2;
	}
	int port = std::stoi(argv[1]);
	listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	sockaddr_in addr{};
	addr.sin_family = AF_INET;
	addr.sin_port = htons(port);
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(listen_fd, reinterpret_cast<sockaddr *>(&addr), sizeof addr) < 0 ||
	    listen(listen_fd, 128) < 0) {
		perror("kvd: bind/listen");
		return 1;
	}
	std::cout << "kvd " KVD_VERSION ": listening on port " << port << std::endl;
	while (!stopping) {
		int fd = accept(listen_fd, nullptr, nullptr);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			if (stopping)
				break;
			perror("kvd: accept");
			return 1;
		}
		std::thread(serve, fd).detach();
	}
	std::cout << "kvd: shutting down with " << the_store().size() << " keys" << std::endl;
	return 0;
}
