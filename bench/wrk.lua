-- wrk script of bench/load.py. Counts non-2xx responses (keeping the first one for the
-- report) and prints one line of figures at the end. With BENCH_FORECASTS naming a file of
-- "token path" lines it POSTs forecasts, cycling through those pairs (each wrk thread from
-- its own offset) with probabilities spread over [0.001, 0.998]. With BENCH_FORM_CSRF too, the
-- file's lines are "session path" and it POSTs the question page's form, signed in by the
-- session cookie with that CSRF secret as cookie and field; the form's 302 to the page is
-- its success.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  first_error = ""
  sent = 0
end

local form_csrf = os.getenv("BENCH_FORM_CSRF")

function response(status, headers, body)
  local ok = status >= 200 and status <= 299
  if form_csrf then
    -- a 200 is the page again with the form's errors; a redirect to the log-in page, a
    -- session that did not sign in
    local location = headers["Location"] or headers["location"] or ""
    ok = status == 302 and not string.find(location, "login", 1, true)
  end
  if not ok then
    non2xx = non2xx + 1
    if first_error == "" then
      first_error = status .. " " .. string.sub(string.gsub(body or "", "%s+", " "), 1, 300)
    end
  end
end

local plan = os.getenv("BENCH_FORECASTS")
if plan then
  local tokens, paths = {}, {}
  for line in io.lines(plan) do
    local token, path = string.match(line, "^(%S+)%s+(%S+)$")
    if token then
      table.insert(tokens, token)
      table.insert(paths, path)
    end
  end

  function request()
    sent = sent + 1
    local i = (id * 7919 + sent) % #tokens + 1
    if form_csrf then
      local body = string.format("csrfmiddlewaretoken=%s&probability=%.1f", form_csrf,
        0.1 * (1 + (sent * 131 + id) % 998))
      return wrk.format("POST", paths[i], {
        ["Cookie"] = "sessionid=" .. tokens[i] .. "; csrftoken=" .. form_csrf,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, body)
    end
    local body = string.format('{"probability": %.3f}', 0.001 * (1 + (sent * 131 + id) % 998))
    return wrk.format("POST", paths[i], {
      ["Authorization"] = "Token " .. tokens[i],
      ["Content-Type"] = "application/json",
    }, body)
  end
end

function done(summary, latency, requests)
  local bad, first = 0, ""
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    local error = thread:get("first_error")
    if first == "" and error then
      first = error
    end
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH_FIGURES requests=%d duration_us=%d non2xx=%d connect=%d read=%d write=%d " ..
    "timeout=%d p50_us=%d p99_us=%d max_us=%d\n",
    summary.requests, summary.duration, bad, errors.connect, errors.read, errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(99), latency.max))
  io.write("BENCH_FIRST_ERROR " .. first .. "\n")
end
