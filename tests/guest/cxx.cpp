// C++ in UKL: static constructors and destructors, exceptions (through a
// deep call chain, from libstdc++, across and inside threads, from a
// constructor before main), RTTI and dynamic_cast, iostreams,
// std::thread, std::mutex, std::call_once, thread_local objects with
// constructors and destructors. Prints one "cxx: ..." line per check and
// exits 0 only if every check held. The last two lines come from
// destructors that run after main returns.
#include <atomic>
#include <cstdio>
#include <exception>
#include <iomanip>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

static int failures;

static void check(bool ok, const std::string &what)
{
	std::cout << "cxx: " << what << (ok ? ": ok" : ": FAILED") << std::endl;
	if (!ok)
		failures++;
}

// --- static constructors and destructors -------------------------------

struct Global {
	int value;
	Global() : value(42) {}
	~Global() { std::printf("cxx: static destructor ran\n"); }
};
static Global global;

// Throws and catches before main: the unwind tables must be usable
// before the first ordinary constructor.
struct EarlyThrow {
	bool caught = false;
	EarlyThrow()
	{
		try {
			throw 7;
		} catch (int v) {
			caught = v == 7;
		}
	}
};
static EarlyThrow early;

// --- exceptions through a deep call chain ------------------------------

struct DeepError : std::runtime_error {
	int depth;
	explicit DeepError(int d) : std::runtime_error("deep"), depth(d) {}
};

// One per frame: unwinding must run each destructor.
struct Guard {
	std::atomic<int> &count;
	explicit Guard(std::atomic<int> &c) : count(c) {}
	~Guard() { count++; }
};

static int __attribute__((noinline)) descend(int level, int depth, std::atomic<int> &unwound)
{
	Guard g(unwound);
	if (level == depth)
		throw DeepError(level);
	return descend(level + 1, depth, unwound) + 1;
}

// Returns the depth the exception came from, or -1.
static int throw_deep(int depth, std::atomic<int> &unwound)
{
	try {
		descend(1, depth, unwound);
	} catch (const std::exception &e) {
		const DeepError *d = dynamic_cast<const DeepError *>(&e);
		return d ? d->depth : -1;
	}
	return -1;
}

// --- RTTI ---------------------------------------------------------------

struct Shape {
	virtual ~Shape() = default;
	virtual double area() const = 0;
};
struct Square : Shape {
	double side;
	explicit Square(double s) : side(s) {}
	double area() const override { return side * side; }
};
struct Circle : Shape {
	double r;
	explicit Circle(double radius) : r(radius) {}
	double area() const override { return 3.0 * r * r; }
};

// --- thread_local objects -----------------------------------------------

static std::atomic<int> tls_constructed, tls_destroyed;

struct PerThread {
	int uses = 0;
	std::string name;
	PerThread() : name("per-thread") { tls_constructed++; }
	~PerThread()
	{
		tls_destroyed++;
		if (is_main)
			std::printf("cxx: main thread's thread_local destructor ran\n");
	}
	bool is_main = false;
};
thread_local PerThread per_thread;

// --- threads --------------------------------------------------------------

static std::mutex counter_lock;
static long counter;
static std::once_flag once;
static std::atomic<int> once_runs;

struct WorkerResult {
	int caught = 0;
	bool tls_fresh = false;
	bool unwound_ok = false;
};

static void worker(int id, WorkerResult *res)
{
	res->tls_fresh = per_thread.uses == 0 && per_thread.name == "per-thread";
	for (int i = 0; i < 50; i++) {
		std::atomic<int> unwound{0};
		int depth = 20 + id + i % 7;

		per_thread.uses++;
		if (throw_deep(depth, unwound) == depth)
			res->caught++;
		res->unwound_ok = unwound == depth;
		for (int j = 0; j < 200; j++) {
			std::lock_guard<std::mutex> hold(counter_lock);
			counter++;
		}
	}
	std::call_once(once, [] { once_runs++; });
}

static void failing_worker(std::exception_ptr *out)
{
	try {
		std::vector<int> v(3);
		(void)v.at(10 + v.size());	// libstdc++ throws std::out_of_range
	} catch (...) {
		*out = std::current_exception();
	}
}

int main()
{
	check(global.value == 42, "static constructor");
	check(early.caught, "exception caught in a constructor before main");

	std::atomic<int> unwound{0};
	check(throw_deep(300, unwound) == 300 && unwound == 300,
	      "exception through 300 frames, 300 destructors");

	try {
		(void)std::stoi("not a number");
		check(false, "std::invalid_argument from libstdc++");
	} catch (const std::invalid_argument &) {
		check(true, "std::invalid_argument from libstdc++");
	}

	bool rethrown = false;
	try {
		try {
			throw std::string("inner");
		} catch (...) {
			throw;
		}
	} catch (const std::string &s) {
		rethrown = s == "inner";
	}
	check(rethrown, "rethrow from catch (...)");

	std::vector<std::unique_ptr<Shape>> shapes;
	shapes.push_back(std::make_unique<Square>(2));
	shapes.push_back(std::make_unique<Circle>(1));
	shapes.push_back(std::make_unique<Square>(3));
	int squares = 0;
	double area = 0;
	for (const auto &s : shapes) {
		if (dynamic_cast<Square *>(s.get()))
			squares++;
		area += s->area();
	}
	check(squares == 2 && area == 16.0, "dynamic_cast and virtual calls");
	check(typeid(*shapes[1]) == typeid(Circle) && std::string(typeid(Circle).name()) == "6Circle",
	      "typeid");

	std::ostringstream os;
	os << std::setw(6) << std::setfill('*') << 42 << '|' << std::hex << 255 << '|'
	   << std::fixed << std::setprecision(3) << 3.14159;
	check(os.str() == "****42|ff|3.142", "ostringstream formatting: " + os.str());
	std::istringstream is("17 2.5 words");
	int n;
	double d;
	std::string w;
	is >> n >> d >> w;
	check(n == 17 && d == 2.5 && w == "words", "istringstream parsing");

	per_thread.is_main = true;
	per_thread.uses = 1000;
	const int nthreads = 4;
	std::vector<WorkerResult> results(nthreads);
	std::vector<std::thread> threads;
	for (int i = 0; i < nthreads; i++)
		threads.emplace_back(worker, i, &results[i]);
	for (auto &t : threads)
		t.join();
	bool all_caught = true, all_fresh = true, all_unwound = true;
	for (const auto &r : results) {
		all_caught = all_caught && r.caught == 50;
		all_fresh = all_fresh && r.tls_fresh;
		all_unwound = all_unwound && r.unwound_ok;
	}
	check(all_caught && all_unwound, "exceptions in 4 threads at once");
	check(counter == nthreads * 50 * 200, "std::mutex: " + std::to_string(counter) + " increments");
	check(once_runs == 1, "std::call_once");
	check(all_fresh && per_thread.uses == 1000, "thread_local: one object per thread");
	check(tls_constructed == 1 + nthreads && tls_destroyed == nthreads,
	      "thread_local constructors and destructors in threads");

	std::exception_ptr from_thread;
	std::thread(failing_worker, &from_thread).join();
	bool crossed = false;
	try {
		if (from_thread)
			std::rethrow_exception(from_thread);
	} catch (const std::out_of_range &) {
		crossed = true;
	}
	check(crossed, "exception from a thread rethrown in main");

	if (failures)
		std::cout << "cxx: " << failures << " checks FAILED" << std::endl;
	else
		std::cout << "cxx: all checks passed" << std::endl;
	return failures ? 1 : 0;
}
