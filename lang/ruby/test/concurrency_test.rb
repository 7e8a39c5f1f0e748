# frozen_string_literal: true

require_relative "test_helper"

class ConcurrencyTest < Minitest::Test
  include TestHelper

  THREADS = 8
  PER_THREAD = 50

  def test_threads_write_payloads_through_one_context
    Dir.mktmpdir do |dir|
      written = payload_context(dir) do |ctx|
        gate = Queue.new
        threads = THREADS.times.map do |t|
          Thread.new do
            gate.pop
            PER_THREAD.times.map do |i|
              json = %({"version":1,"events":[{"type":"test","thread":#{t},"i":#{i}}]})
              [ctx.write_payload(:tests, json), json]
            end
          end
        end
        THREADS.times { gate << :go }
        threads.flat_map(&:value)
      end
      paths = written.map(&:first)
      assert_equal THREADS * PER_THREAD, paths.uniq.size, "unique paths"
      on_disk = Dir.children(File.join(dir, "payloads", "tests"))
      assert_equal THREADS * PER_THREAD, on_disk.size, "files on disk (no temp files left)"
      written.each { |path, json| assert_equal json, File.read(path), "content of #{path}" }
    end
  end
end
