{#
    Runs before every build (on-run-start). Stops the run with a message that names the
    folder, file and column when the raw export does not hold what the contract needs:
    - a table folder that is missing or has no Parquet file (*.parquet at any depth, any case
      of the extension: the files the staging views read, see raw_parquet_glob());
    - a Parquet file without one of the columns declared for its table in
      _broker__sources.yml (column names are matched case-insensitively, as DuckDB does);
    - a Parquet file with a column named file_row_number, the one name the reader reserves
      for the row lineage;
    - the var exchange_timezone is not a time zone name, or max_plausible_amount_cny not a
      number (both reach SQL);
    - BROKER_RAW_DIR holds a character the reader takes as a wildcard (check_raw_dir_is_literal);
    - a file holds a contract column of a nested type, or a date as plain integers
      (check_raw_column_types).
    It warns, naming them, about files in a table folder that are not read (a .csv export, a
    stray file): their rows are in no model and in no reconciliation count.
    Without it, DuckDB would fail later inside a model with a bare "No files found" or
    "Referenced column not found" error, or silently read nulls through union_by_name.
#}
{% macro check_raw_sources(source_name='broker') %}
    {{ return(adapter.dispatch('check_raw_sources', 'broker_segments')(source_name)) }}
{% endmacro %}

{% macro default__check_raw_sources(source_name) %}
    {% if execute %}
        {% do max_plausible_amount_cny() %}
        {% do check_raw_dir_is_literal(source_name) %}
        {% set timezone = var('exchange_timezone') %}
        {% set known = run_query(
            "select count(*) from pg_timezone_names() where name = " ~ sql_string(timezone)
        ).columns[0].values()[0] %}
        {% if known == 0 %}
            {{ exceptions.raise_compiler_error(
                "var exchange_timezone: '" ~ timezone ~ "' is not a time zone name; use an IANA "
                ~ "name such as 'Asia/Shanghai' (the dates exported with a time zone are read "
                ~ "in it)."
            ) }}
        {% endif %}
        {% for node in graph.sources.values()
            if node.source_name == source_name and node.package_name == project_name %}
            {% set folder = raw_table_folder(node.name, source_name) %}
            {% set pattern = sql_string(raw_parquet_glob(folder)) %}
            {% set file_count = run_query("select count(*) from glob(" ~ pattern ~ ")").columns[0].values()[0] %}
            {% if file_count == 0 %}
                {{ exceptions.raise_compiler_error(
                    "Raw table '" ~ node.name ~ "': the folder '" ~ folder ~ "' is missing or holds no "
                    ~ "Parquet file (*.parquet, in it or below it). Point BROKER_RAW_DIR at the directory of the export "
                    ~ "(one folder per table), or run `make data` for demo data."
                ) }}
            {% endif %}
            {% set required = node.columns.keys() | list %}
            {% set missing_sql %}
                with files as (
                    select file as file_name from glob({{ pattern }})
                ),

                required_columns as (
                    select unnest([{% for column in required %}'{{ column | lower }}'{{ ", " if not loop.last }}{% endfor %}]) as column_name
                ),

                present_columns as (
                    select
                        file_name,
                        lower(name) as column_name
                    from parquet_schema({{ pattern }})
                )

                select
                    files.file_name,
                    required_columns.column_name
                from files
                cross join required_columns
                anti join present_columns
                    on files.file_name = present_columns.file_name
                    and required_columns.column_name = present_columns.column_name
                order by files.file_name, required_columns.column_name
            {% endset %}
            {% set reserved_sql %}
                select file_name from parquet_schema({{ pattern }})
                where lower(name) = 'file_row_number'
                order by file_name
            {% endset %}
            {% set reserved = run_query(reserved_sql) %}
            {% if reserved.rows | length > 0 %}
                {{ exceptions.raise_compiler_error(
                    "Raw table '" ~ node.name ~ "': the file '" ~ reserved.rows[0][0] ~ "' has a column "
                    ~ "named 'file_row_number', which the reader reserves for the row number of "
                    ~ "each row (the quarantine's source_row_number). Rename or drop that column "
                    ~ "in the export."
                ) }}
            {% endif %}
            {% set unread_sql %}
                select file from glob({{ sql_string(folder ~ '/**/*') }})
                except
                select file from glob({{ pattern }})
                order by file
            {% endset %}
            {% set unread = run_query(unread_sql) %}
            {% if unread.rows | length > 0 %}
                {{ exceptions.warn(
                    "Raw table '" ~ node.name ~ "': " ~ (unread.rows | length) ~ " file(s) in '" ~ folder
                    ~ "' are not Parquet and are not read: "
                    ~ (unread.columns[0].values() | join(', '))
                    ~ ". Convert them to Parquet (or move them out of the table folder)."
                ) }}
            {% endif %}
            {% set missing = run_query(missing_sql) %}
            {% if missing.rows | length > 0 %}
                {% set first = missing.rows[0] %}
                {{ exceptions.raise_compiler_error(
                    "Raw table '" ~ node.name ~ "': the file '" ~ first[0] ~ "' has no column '"
                    ~ first[1] ~ "', which the raw data contract requires"
                    ~ (" (" ~ (missing.rows | length - 1) ~ " more file/column pairs are missing)"
                       if missing.rows | length > 1 else "")
                    ~ ". Required columns of " ~ node.name ~ ": " ~ required | join(', ') ~ "."
                ) }}
            {% endif %}
            {% do check_raw_column_types(node.name, pattern, required) %}
        {% endfor %}
    {% endif %}
{% endmacro %}

{#
    A contract column the reader cannot turn into its type stops the run naming the file and
    the column: one of a nested type (a struct, list or map), or a date column (*_date) stored
    as plain integers (20250102). Read beside the files that hold the right type, such a file
    would otherwise fail the build inside a model with a conversion error that names another
    file. pattern: the table's files (raw_parquet_glob, as a SQL string); columns: the
    contract's columns of the table.
#}
{% macro check_raw_column_types(table_name, pattern, columns) %}
    {% set wrong_sql %}
        select
            file_name,
            name,
            case
                when num_children > 0 or converted_type in ('LIST', 'MAP', 'MAP_KEY_VALUE')
                    then 'a nested type (a struct, list or map)'
                else 'plain numbers (' || type || ', e.g. 20250102), not dates'
            end as what
        from parquet_schema({{ pattern }})
        where
            lower(name) in ('{{ columns | map('lower') | join("', '") }}')
            and (
                num_children > 0
                or converted_type in ('LIST', 'MAP', 'MAP_KEY_VALUE')
                or (
                    ends_with(lower(name), '_date')
                    and type in ('INT32', 'INT64', 'FLOAT', 'DOUBLE')
                    and coalesce(converted_type, '') not in (
                        'DATE', 'TIMESTAMP_MILLIS', 'TIMESTAMP_MICROS'
                    )
                    and coalesce(logical_type, '') not like 'TimestampType%'
                    and coalesce(logical_type, '') not like 'DateType%'
                )
            )
        order by file_name, name
    {% endset %}
    {% set wrong = run_query(wrong_sql) %}
    {% if wrong.rows | length > 0 %}
        {% set first = wrong.rows[0] %}
        {{ exceptions.raise_compiler_error(
            "Raw table '" ~ table_name ~ "': the file '" ~ first[0] ~ "' holds the column '"
            ~ first[1] ~ "' as " ~ first[2] ~ ", which the raw data contract cannot read"
            ~ (" (" ~ (wrong.rows | length - 1) ~ " more file/column pairs)"
               if wrong.rows | length > 1 else "")
            ~ ". Export dates as Parquet DATE (or 'YYYY-MM-DD' text) and every contract column "
            ~ "as a plain value (docs/raw-data-contract.md)."
        ) }}
    {% endif %}
{% endmacro %}

{#
    Spark has no glob() or parquet_schema(): the source is declared here. Each raw table is
    an external Parquet table over its folder (every *.parquet below it, any case, the files'
    schemas merged), broker.<table>__files, and the source broker.<table> a view over it that
    adds the lineage DuckDB's reader gives (_broker_source_file without the file: scheme,
    file_row_number from 0). Checked: the time zone, the folder (Spark names a missing one),
    and every contract column in the table's merged schema (per table: Spark merges the files'
    schemas, so a file without a column reads as nulls there and is not named).
    A relative BROKER_RAW_DIR (the default data/raw) is taken from the working directory, as
    DuckDB reads it: Spark would resolve a table's relative location against the schema's
    folder in the warehouse. A path with a scheme (s3a:, hdfs:, file:) is kept as it is.
#}
{% macro spark__check_raw_sources(source_name) %}
    {% if execute %}
        {% do max_plausible_amount_cny() %}
        {% do check_raw_dir_is_literal(source_name) %}
        {% set working_dir = run_query(
            "select reflect('java.lang.System', 'getProperty', 'user.dir')"
        ).columns[0].values()[0] %}
        {# Spark stops with INVALID_TIMEZONE, naming the value, on a name it does not know. #}
        {% do run_query(
            "select from_utc_timestamp(timestamp'2000-01-01 00:00:00', "
            ~ sql_string(var('exchange_timezone')) ~ ")"
        ) %}
        {% do run_query('create schema if not exists ' ~ source_name) %}
        {% for node in graph.sources.values()
            if node.source_name == source_name and node.package_name == project_name %}
            {% set raw_dir = node.config.meta.get('raw_dir', node.meta.get('raw_dir')) %}
            {% if not (raw_dir.startswith('/') or modules.re.match('^[A-Za-z][A-Za-z0-9+.-]*:', raw_dir)) %}
                {% set raw_dir = working_dir ~ '/' ~ raw_dir %}
            {% endif %}
            {% set folder = raw_dir ~ '/' ~ node.name %}
            {% set files = source_name ~ '.' ~ node.name ~ '__files' %}
            {% do run_query('drop table if exists ' ~ files) %}
            {% do run_query(
                'create table ' ~ files ~ ' using parquet options (path ' ~ sql_string(folder)
                ~ ", recursiveFileLookup 'true', pathGlobFilter '*.[pP][aA][rR][qQ][uU][eE][tT]'"
                ~ ", mergeSchema 'true')"
            ) %}
            {% set present = adapter.get_columns_in_relation(
                api.Relation.create(schema=source_name, identifier=node.name ~ '__files')
            ) | map(attribute='name') | map('lower') | list %}
            {% if 'file_row_number' in present %}
                {{ exceptions.raise_compiler_error(
                    "Raw table '" ~ node.name ~ "': a file in '" ~ folder ~ "' has a column named "
                    ~ "'file_row_number', which the reader reserves for the row number of each "
                    ~ "row (the quarantine's source_row_number). Rename or drop that column."
                ) }}
            {% endif %}
            {% set missing = node.columns.keys() | map('lower') | reject('in', present) | list %}
            {% if missing %}
                {{ exceptions.raise_compiler_error(
                    "Raw table '" ~ node.name ~ "': the files in '" ~ folder ~ "' have no column '"
                    ~ missing[0] ~ "', which the raw data contract requires. Required columns of "
                    ~ node.name ~ ": " ~ node.columns.keys() | join(', ') ~ "."
                ) }}
            {% endif %}
            {% do run_query(
                'create or replace view ' ~ source_name ~ '.' ~ node.name ~ ' as select *, '
                ~ "regexp_replace(_metadata.file_path, '^file:', '') as _broker_source_file, "
                ~ '_metadata.row_index as file_row_number from ' ~ files
            ) %}
        {% endfor %}
    {% endif %}
{% endmacro %}

{# The files a raw table's staging view reads: every *.parquet below folder, any case. #}
{% macro raw_parquet_glob(folder) -%}
    {{ return(folder ~ '/**/*.[pP][aA][rR][qQ][uU][eE][tT]') }}
{%- endmacro %}

{#
    Both engines read a table folder through a glob (DuckDB's read_parquet, Spark's path), so
    a * ? [ ] { or } in BROKER_RAW_DIR would be a wildcard: '[' names no folder (a false
    "missing" error), '*' reads a sibling export. The path is refused, naming the character.
#}
{% macro check_raw_dir_is_literal(source_name='broker') %}
    {% set raw_dirs = [] %}
    {% for node in graph.sources.values()
        if node.source_name == source_name and node.package_name == project_name %}
        {% do raw_dirs.append(node.config.meta.get('raw_dir', node.meta.get('raw_dir'))) %}
    {% endfor %}
    {% for raw_dir in raw_dirs | unique %}
        {% for character in ['*', '?', '[', ']', '{', '}'] if character in raw_dir %}
            {{ exceptions.raise_compiler_error(
                "BROKER_RAW_DIR '" ~ raw_dir ~ "' holds the character '" ~ character ~ "', which "
                ~ "the Parquet reader takes as a wildcard: it would read other folders, or none. "
                ~ "Rename the folder (or link it under a plain name) and point BROKER_RAW_DIR there."
            ) }}
        {% endfor %}
    {% endfor %}
{% endmacro %}
