# frozen_string_literal: true

# Runs every *_test.rb in one minitest process (one summary line).
Dir[File.join(__dir__, "*_test.rb")].sort.each { |f| require f }
