-- Mirror the landing zone's high-water mark of (source, query) once its batch is loaded.
insert into connector_state (source, query_id, cursor, high_water_mark, last_window_end, last_success_at)
values ($source, $query_id, null, $window_end, $window_end, $processed_at)
on conflict (source, query_id) do update set
    high_water_mark = greatest(connector_state.high_water_mark, excluded.high_water_mark),
    last_window_end = greatest(connector_state.last_window_end, excluded.last_window_end),
    last_success_at = excluded.last_success_at
